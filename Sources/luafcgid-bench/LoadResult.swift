/// What a load generator (wrk or luafcgid-load) reports for one run.
struct LoadResult: Equatable {
    var requests: Int
    var seconds: Double
    var requestsPerSecond: Double
    /// Latency percentiles, microseconds.
    var p50: Double
    var p99: Double
    /// Connect, read, write errors and timeouts.
    var errors: Int
    /// Answers with a status other than 2xx or 3xx.
    var non2xx: Int

    /// A run with errors or failed answers measured something else than the
    /// workload; it is counted but marked in the report.
    var isFlagged: Bool { errors > 0 || non2xx > 0 || requests == 0 }
}
