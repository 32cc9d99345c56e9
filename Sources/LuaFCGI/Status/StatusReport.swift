import Foundation

/// The numbers of the status page at one moment (SPEC §6), gathered from the
/// server's counters, the pool and the queue; rendered as JSON
/// (`StatusReport+JSON`) or Prometheus text (`StatusReport+Prometheus`).
struct StatusReport: Sendable, Equatable {
    struct Script: Sendable, Equatable {
        var path: String
        /// States holding it now (being created included).
        var states: Int
        /// Requests its states served since the server started.
        var requests: Int
        /// When a state of it was last created; nil if never.
        var lastLoad: Date?
        /// Lua heap bytes of its states now.
        var memoryBytes: Int
    }

    var uptimeSeconds: Double
    /// Answers by status class, 1xx first (five entries).
    var answersByClass: [Int]
    /// Requests that ended without an answer (the client left first).
    var aborted: Int
    var running: Int
    var waiting: Int
    var workers: Int
    var statesAlive: Int
    var statesMax: Int
    var scripts: [Script]
    var loads: Int
    var evictions: Int
    var reloads: Int
    var timeouts: Int
    var memoryErrors: Int
    var latency: LatencyHistogram.Snapshot
    /// The shared store's numbers (`luafcgid.shared`).
    var shared = SharedStoreStatistics()

    var requestsTotal: Int { answersByClass.reduce(0, +) }
}

extension StatusReport {
    /// Gathers the report. The pool's inventory is taken under its lock (the
    /// states' heap counters are relaxed atomic loads), the rest without locks.
    init(
        statistics: ServerStatistics, pool: ScriptPool<ScriptState>, waiting: Int, configuration: Configuration,
        shared: SharedStoreStatistics, now: ContinuousClock.Instant = .now
    ) {
        let inventory = pool.inventory { $0.lua.memoryInUse }
        let counters = pool.counters
        let elapsed = now - statistics.started
        var scripts = statistics.allScripts.map { script in
            Script(
                path: script.path, states: inventory.scripts[script.path]?.states ?? 0, requests: script.requests.current,
                lastLoad: script.lastLoad, memoryBytes: inventory.scripts[script.path]?.memoryBytes ?? 0)
        }
        // A script whose first state is being created has no counters yet.
        for (path, held) in inventory.scripts where !scripts.contains(where: { $0.path == path }) {
            scripts.append(Script(path: path, states: held.states, requests: 0, lastLoad: nil, memoryBytes: held.memoryBytes))
        }
        self.init(
            uptimeSeconds: elapsed.inSeconds,
            answersByClass: statistics.answersByClass, aborted: statistics.aborted.current,
            running: statistics.running.current, waiting: waiting, workers: configuration.workers,
            statesAlive: inventory.alive, statesMax: configuration.states, scripts: scripts.sorted { $0.path < $1.path },
            loads: counters.loads, evictions: counters.evictions, reloads: counters.reloads,
            timeouts: statistics.timeouts.current, memoryErrors: statistics.memoryErrors.current,
            latency: statistics.latency.snapshot(), shared: shared)
    }
}
