/// What one workload of the soak saw: wrk's `soak-result` line, or the slow
/// client's own counts.
struct WorkloadResult {
    let name: String
    let path: String
    let connections: Int
    let expectedStatus: Int
    /// Answers received (wrk's "requests": the ones that completed).
    var requests = 0
    /// Answers with another status than `expectedStatus`, or the wrong body.
    var unexpected = 0
    /// `unexpected` by kind: `"503"`, or `"200+body"` for the right status with the wrong body.
    var wrong: [String: Int] = [:]
    /// wrk's connect, read, write and timeout errors; the slow client's
    /// failed requests (connect, send or receive).
    var socketErrors = 0
    /// The socket errors spelled out, e.g. "connect 0, read 2, write 0, timeout 0".
    var socketErrorDetail = ""
    var p99Milliseconds = 0.0
    var maxMilliseconds = 0.0

    init(name: String, path: String, connections: Int, expectedStatus: Int) {
        self.name = name
        self.path = path
        self.connections = connections
        self.expectedStatus = expectedStatus
    }

    /// "503×2, 200+body×1", or "-".
    var wrongSummary: String {
        wrong.isEmpty ? "-" : wrong.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    }

    /// What the soak holds against this workload: no answer at all, an
    /// unexpected answer, a socket error.
    var failures: [String] {
        var failures: [String] = []
        if requests == 0 { failures.append("\(name): no answer at all") }
        if unexpected > 0 { failures.append("\(name): \(unexpected) unexpected answers: \(wrongSummary)") }
        if socketErrors > 0 { failures.append("\(name): socket errors: \(socketErrorDetail)") }
        return failures
    }
}
