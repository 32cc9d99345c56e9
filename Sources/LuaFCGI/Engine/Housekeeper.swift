import Foundation
import Logging

/// Runs housekeeping every `sweep` milliseconds on a thread of its own (SPEC §3.7):
/// idle states whose script, or a file they loaded, changed (mtime, size or
/// inode) or vanished are closed, busy ones when released; the shared store's
/// expired entries are removed.
final class Housekeeper: @unchecked Sendable {
    private let pool: ScriptPool<ScriptState>
    /// The process's shared store, if any (nil in tests of the sweep alone).
    private let shared: SharedStore?
    private let logger: Logger
    private let condition = NSCondition()
    /// Seconds between sweeps (`sweep`); guarded by `condition`, changed by a reload.
    private var period: TimeInterval
    /// Guarded by `condition`.
    private var stopped = false
    private let finished = DispatchGroup()

    init(pool: ScriptPool<ScriptState>, shared: SharedStore? = nil, periodMilliseconds: Int, logger: Logger) {
        self.pool = pool
        self.shared = shared
        self.period = TimeInterval(periodMilliseconds) / 1000
        self.logger = logger
    }

    func start() {
        finished.enter()
        NamedThread.start("lf-housekeeper") { [self] in
            while self.waitForNextSweep() { self.sweep() }
            self.finished.leave()
        }
    }

    /// A reload's `sweep`: the wait under way ends at the new period's end.
    func setPeriod(milliseconds: Int) {
        condition.lock()
        period = TimeInterval(milliseconds) / 1000
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    /// One round: every file is stat'ed once, whatever the number of states that loaded it.
    func sweep() {
        var known: [String: FileSignature?] = [:]
        func current(_ path: String) -> FileSignature? {
            if let signature = known[path] { return signature }
            let signature = FileSignature(path: path)
            known[path] = signature
            return signature
        }
        let closed = pool.sweep { state in
            current(state.script) == state.signature && state.files.areCurrent(current)
        }
        for script in Set(closed.map(\.script)).sorted() {
            logger.info("\(script) or a file it loaded changed; its idle states were closed and it reloads on the next request")
        }
        shared?.expire()
    }

    /// Waits one period; false once stopped.
    private func waitForNextSweep() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let started = Date()
        while !stopped, condition.wait(until: started.addingTimeInterval(period)) {}
        return !stopped
    }
}
