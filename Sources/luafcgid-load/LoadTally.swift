/// What the recorded part of a run counted.
///
/// `requests` are the requests answered with a complete END_REQUEST and
/// appStatus 0, whatever their HTTP status (`non2xx` counts those outside
/// 200–299); `errors` are all the others. Their latencies are in `latencies`.
struct LoadTally: Sendable {
    var requests = 0
    var non2xx = 0
    var errors = 0
    var errorsByKind: [String: Int] = [:]
    /// The first error, to show what went wrong.
    var firstError: LoadFailure?
    var latencies = LatencyHistogram()

    mutating func recordResponse(status: Int, nanoseconds: UInt64) {
        self.requests += 1
        if !(200...299).contains(status) {
            self.non2xx += 1
        }
        self.latencies.record(nanoseconds: nanoseconds)
    }

    mutating func recordFailure(_ failure: LoadFailure) {
        self.errors += 1
        self.errorsByKind[failure.kind, default: 0] += 1
        if self.firstError == nil {
            self.firstError = failure
        }
    }
}
