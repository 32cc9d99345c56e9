import Foundation

/// The outcome of a run: counts, the recorded time, and latency percentiles.
struct LoadReport: Sendable {
    /// Requests answered with a complete END_REQUEST and appStatus 0 (see ``LoadTally``).
    var requests: Int
    /// The recorded time: the measured window, or a count run from start to its last answer.
    var seconds: Double
    var non2xx: Int
    var errors: Int
    var errorsByKind: [String: Int]
    var firstError: LoadFailure?
    /// Latencies in nanoseconds, write to END_REQUEST, of the `requests`.
    var p50: UInt64
    var p99: UInt64
    var maximum: UInt64

    init(tally: LoadTally, seconds: Double) {
        self.requests = tally.requests
        self.seconds = seconds
        self.non2xx = tally.non2xx
        self.errors = tally.errors
        self.errorsByKind = tally.errorsByKind
        self.firstError = tally.firstError
        self.p50 = tally.latencies.percentile(0.50)
        self.p99 = tally.latencies.percentile(0.99)
        self.maximum = tally.latencies.maximum
    }

    var requestsPerSecond: Double {
        self.seconds > 0 ? Double(self.requests) / self.seconds : 0
    }

    /// The line `--json` prints; its keys are the benchmark runner's contract:
    /// `{"requests":123,"seconds":5.000,"rps":24.6,"p50_us":100,"p99_us":300,"errors":0,"non2xx":0}`.
    var jsonLine: String {
        "{\"requests\":\(self.requests),\"seconds\":\(Self.fixed(self.seconds, 3)),"
            + "\"rps\":\(Self.fixed(self.requestsPerSecond, 1)),"
            + "\"p50_us\":\(Self.microseconds(self.p50)),\"p99_us\":\(Self.microseconds(self.p99)),"
            + "\"errors\":\(self.errors),\"non2xx\":\(self.non2xx)}"
    }

    /// The summary printed without `--json`.
    var summary: String {
        var lines = [
            "requests  \(self.requests) in \(Self.fixed(self.seconds, 2)) s = \(Self.fixed(self.requestsPerSecond, 1)) req/s",
            "latency   p50 \(Self.duration(self.p50))   p99 \(Self.duration(self.p99))   max \(Self.duration(self.maximum))",
            "non-2xx   \(self.non2xx)",
            "errors    \(self.errors)" + self.errorBreakdown,
        ]
        if let firstError = self.firstError {
            lines.append("first     \(firstError)")
        }
        return lines.joined(separator: "\n")
    }

    private var errorBreakdown: String {
        guard !self.errorsByKind.isEmpty else { return "" }
        let kinds = self.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return " (" + kinds.joined(separator: ", ") + ")"
    }

    private static func fixed(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    private static func microseconds(_ nanoseconds: UInt64) -> UInt64 {
        (nanoseconds + 500) / 1000
    }

    /// µs below 10 ms, ms above: short and still precise enough to compare.
    private static func duration(_ nanoseconds: UInt64) -> String {
        nanoseconds < 10_000_000
            ? "\(Self.microseconds(nanoseconds)) µs"
            : "\(Self.fixed(Double(nanoseconds) / 1e6, 1)) ms"
    }
}
