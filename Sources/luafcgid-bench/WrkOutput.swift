import Foundation

/// Reads wrk's report (`wrk --latency`):
///
/// ```
///   Latency Distribution
///      50%  104.00us
///      99%    1.21ms
///   123456 requests in 5.00s, 12.34MB read
///   Socket errors: connect 0, read 2, write 0, timeout 0
///   Non-2xx or 3xx responses: 12
/// Requests/sec:  24691.20
/// ```
///
/// The error lines appear only when there are errors.
enum WrkOutput {
    static func parse(_ text: String) throws -> LoadResult {
        var result = LoadResult(requests: -1, seconds: 0, requestsPerSecond: -1, p50: -1, p99: -1, errors: 0, non2xx: 0)
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("50%"), words.count == 2 {
                result.p50 = try microseconds(words[1])
            } else if line.hasPrefix("99%"), words.count == 2 {
                result.p99 = try microseconds(words[1])
            } else if words.count >= 4, words[1] == "requests", words[2] == "in", let requests = Int(words[0]) {
                result.requests = requests
                result.seconds = try microseconds(words[3].trimmingCharacters(in: [","])) / 1_000_000
            } else if line.hasPrefix("Socket errors:") {
                result.errors = line.split(whereSeparator: { " ,".contains($0) }).compactMap { Int($0) }.reduce(0, +)
            } else if line.hasPrefix("Non-2xx or 3xx responses:"), let count = words.last.flatMap({ Int($0) }) {
                result.non2xx = count
            } else if line.hasPrefix("Requests/sec:"), let rate = words.last.flatMap({ Double($0) }) {
                result.requestsPerSecond = rate
            }
        }
        guard result.requests >= 0, result.requestsPerSecond >= 0, result.p50 >= 0, result.p99 >= 0 else {
            throw BenchError("wrk: unexpected output:\n\(text)")
        }
        return result
    }

    /// "104.00us", "1.21ms", "2.00s", "1.50m" → microseconds.
    static func microseconds<S: StringProtocol>(_ text: S) throws -> Double {
        let units: [(String, Double)] = [("us", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)]
        for (unit, factor) in units where text.hasSuffix(unit) {
            if let value = Double(text.dropLast(unit.count)) { return value * factor }
        }
        throw BenchError("wrk: cannot read the duration '\(text)'")
    }
}
