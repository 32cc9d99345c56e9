import Foundation
import Synchronization

/// The server's counters for the status page (SPEC §6): every answer by status
/// class and its latency, requests running, and the limits' stops.
///
/// Created once by `Server` and shared by every `RequestRunner` and front, so
/// the numbers live across a SIGHUP reload. Each event is a relaxed atomic
/// increment; nothing here takes a lock on a request's path. The per-script
/// counters are found by path once, when a state is created, and the state keeps
/// the handle (`ScriptStatistics`), so a request bumps it without a lookup.
///
/// The pool counts its own loads, evictions and reloads (`ScriptPool.Counters`),
/// which are the pool's decisions; the pool lives across reloads too.
public final class ServerStatistics: Sendable {
    /// When the server started (wall clock, for the uptime).
    let started: ContinuousClock.Instant
    /// Answers by status class: index 0 for 1xx … 4 for 5xx.
    private let classes: [Counter]
    /// Requests that ended without an answer: the client went away first.
    let aborted = Counter()
    /// Requests whose `RequestRunner.run` is under way.
    let running = Counter()
    /// Requests stopped by the watchdog (504 or a cut-off response).
    let timeouts = Counter()
    /// Requests whose state reached its `memory` cap (500 or a cut-off response).
    let memoryErrors = Counter()
    /// The duration of every answer, from the front's `Request` to the response's end.
    let latency = LatencyHistogram()
    private let scripts = Mutex<[String: ScriptStatistics]>([:])

    public init() {
        started = .now
        classes = (0..<5).map { _ in Counter() }
    }

    /// One relaxed atomic counter (or gauge, with `decrement`).
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)

        func increment() { value.wrappingAdd(1, ordering: .relaxed) }
        func decrement() { value.wrappingSubtract(1, ordering: .relaxed) }
        var current: Int { value.load(ordering: .relaxed) }
    }

    /// Counts an answer with status `code` that took `duration`.
    func countAnswer(code: Int, duration: Duration) {
        classes[Self.classIndex(of: code)].increment()
        latency.record(duration)
    }

    /// 1xx → 0 … 5xx → 4; anything outside 100…599 counts as 5xx.
    static func classIndex(of code: Int) -> Int {
        (100...599).contains(code) ? code / 100 - 1 : 4
    }

    /// Answers so far in each class, 1xx first.
    var answersByClass: [Int] { classes.map(\.current) }

    /// The counters of `script`, made on first use (when its first state is created).
    func script(_ path: String) -> ScriptStatistics {
        scripts.withLock { table in
            if let known = table[path] { return known }
            let made = ScriptStatistics(path: path)
            table[path] = made
            return made
        }
    }

    /// Every script that had a state, by path.
    var allScripts: [ScriptStatistics] {
        scripts.withLock { Array($0.values) }.sorted { $0.path < $1.path }
    }
}

/// One script's counters: requests its states served and when a state of it was
/// last created (its chunk run: the script loaded).
final class ScriptStatistics: Sendable {
    let path: String
    let requests = ServerStatistics.Counter()
    /// Seconds since 1970 (UTC) of the last load, 0 before the first.
    private let lastLoadSeconds = Atomic<Int>(0)

    init(path: String) {
        self.path = path
    }

    /// A state of the script was created now.
    func loaded() {
        lastLoadSeconds.store(Int(Date().timeIntervalSince1970), ordering: .relaxed)
    }

    /// When the script was last loaded; nil if never.
    var lastLoad: Date? {
        let seconds = lastLoadSeconds.load(ordering: .relaxed)
        return seconds == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
