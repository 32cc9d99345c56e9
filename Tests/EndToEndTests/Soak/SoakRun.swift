import Foundation

/// The soak's load: every workload's wrk and the slow client's connections
/// (threads of their own) at once for `seconds`, watched by one loop that
/// looks every 250 ms, samples luafcgid's RSS every other time while the
/// load runs, and ends once every wrk has ended; then the slow client's last
/// requests are waited for.
///
/// Bounded: the loop by `seconds` + 60 s (time for wrk to report), the slow
/// client by its deadline and its 30 s per request. It fails at once if
/// luafcgid or a wrk dies; then it stops every wrk (by PID) and tells the
/// slow client to start no more requests.
struct SoakRun {
    let workloads: [SoakWorkload]
    /// Loops of the slow client; 0 for none.
    let slowConnections: Int
    /// nginx's 127.0.0.1 port.
    let port: Int
    let seconds: Int
    /// wrk's per-request timeout (see `WrkRun`).
    let requestTimeoutSeconds: Int
    let luafcgid: ChildProcess
    let directory: TemporaryDirectory

    struct Outcome {
        let results: [WorkloadResult]
        let memory: ResidentMemory
        /// From the start of the load to the end of its last request.
        let elapsed: Duration
        /// The slow client's first failure, if any.
        let slowFailure: String?
    }

    func run() async throws -> Outcome {
        var memory = ResidentMemory(idleKiB: try ProcFS.residentKiB(of: luafcgid.pid))
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(seconds)
        let stop = SoakStop()
        return try await withThrowingTaskGroup(of: SlowClient.Outcome.self) { group in
            for _ in 0..<slowConnections {
                let client = SlowClient(port: port, deadline: end, stop: stop)
                group.addTask { try await onThread { client.run() } }
            }
            var wrks: [WrkRun] = []
            do {
                for workload in workloads {
                    wrks.append(
                        try WrkRun(
                            workload: workload, port: port, seconds: seconds, timeoutSeconds: requestTimeoutSeconds,
                            directory: directory))
                }
                var lastSample: ContinuousClock.Instant?
                try await poll("the soak's load to end", timeout: .seconds(seconds + 60), interval: .milliseconds(250)) {
                    let now = clock.now
                    if let status = luafcgid.exitStatus {
                        throw HarnessError("luafcgid ended (\(status)) during the soak")
                    }
                    if let failed = wrks.first(where: { ($0.process.exitStatus ?? .exited(0)) != .exited(0) }) {
                        throw HarnessError(
                            "wrk \(failed.workload.name) ended (\(failed.process.exitStatus!)): \(failed.process.standardError)")
                    }
                    if now <= end, lastSample.map({ now - $0 >= .milliseconds(450) }) ?? true {
                        memory.record(seconds: (now - start) / .seconds(1), kib: try ProcFS.residentKiB(of: luafcgid.pid))
                        lastSample = now
                    }
                    return now >= end && wrks.allSatisfy { !$0.process.isRunning }
                }
            } catch {
                stop.set()
                for wrk in wrks { await wrk.process.stop() }
                throw error
            }
            var results = try wrks.map { try $0.result() }
            var slow = WorkloadResult(
                name: SlowClient.name, path: SlowClient.path, connections: slowConnections, expectedStatus: 200)
            var slowFailure: String?
            for try await outcome in group {
                slow.requests += outcome.requests
                slow.unexpected += outcome.unexpected.values.reduce(0, +)
                slow.wrong.merge(outcome.unexpected, uniquingKeysWith: +)
                slow.socketErrors += outcome.socketErrors
                slowFailure = slowFailure ?? outcome.firstFailure
            }
            slow.socketErrorDetail = "\(slow.socketErrors) failed requests (connect, send or receive)"
            if slowConnections > 0 { results.append(slow) }
            return Outcome(results: results, memory: memory, elapsed: clock.now - start, slowFailure: slowFailure)
        }
    }
}
