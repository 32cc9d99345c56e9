import Foundation

/// One workload's wrk process: one thread, the workload's connections, for
/// the soak's duration, against nginx's TCP port, with the workload's script
/// (`SoakWorkload.wrkScript`, written to `<dir>/wrk/<name>.lua`).
final class WrkRun {
    let workload: SoakWorkload
    let process: ChildProcess

    static let executable = URL(fileURLWithPath: "/usr/bin/wrk")

    /// Starts wrk and returns at once. `timeoutSeconds` is wrk's per-request
    /// `--timeout` (default 2 s): an answer later than that counts as a
    /// timeout error, so it must exceed what the slowest expected answer takes.
    init(workload: SoakWorkload, port: Int, seconds: Int, timeoutSeconds: Int, directory: TemporaryDirectory) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw HarnessError("wrk not found at \(Self.executable.path): run scripts/bootstrap (installs wrk)")
        }
        let script = try directory.write("wrk/\(workload.name).lua", workload.wrkScript)
        self.workload = workload
        process = try ChildProcess(
            name: "wrk/\(workload.name)", executable: Self.executable,
            arguments: [
                "-t1", "-c\(workload.connections)", "-d\(seconds)s", "--timeout", "\(timeoutSeconds)s",
                "-s", script.path, "http://127.0.0.1:\(port)\(workload.path)",
            ],
            directory: directory.url)
    }

    /// The counts of wrk's `soak-result` line, once wrk has ended; throws if
    /// it failed or printed no such line.
    func result() throws -> WorkloadResult {
        let output = String(decoding: try Data(contentsOf: process.stdoutURL), as: UTF8.self)
        guard process.exitStatus == .exited(0),
            let line = output.split(separator: "\n").first(where: { $0.hasPrefix("soak-result ") })
        else {
            throw HarnessError(
                "wrk \(workload.name) ended (\(process.exitStatus.map(\.description) ?? "still running")) without its result; "
                    + "its output (\(output.utf8.count) bytes in \(process.stdoutURL.path)):\n\(output)\n\(process.standardError)")
        }
        var fields: [String: String] = [:]
        for field in line.split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        func number(_ key: String) throws -> Int {
            guard let value = fields[key].flatMap({ Int($0) }) else {
                throw HarnessError("wrk \(workload.name): no number '\(key)' in: \(line)")
            }
            return value
        }
        var result = WorkloadResult(
            name: workload.name, path: workload.path, connections: workload.connections,
            expectedStatus: workload.expectedStatus)
        result.requests = try number("requests")
        result.unexpected = try number("unexpected")
        if let wrong = fields["wrong"], wrong != "-" {
            for entry in wrong.split(separator: ",") {
                let parts = entry.split(separator: ":")
                if parts.count == 2, let count = Int(parts[1]) { result.wrong[String(parts[0])] = count }
            }
        }
        let errors = try ["connect", "read", "write", "timeout"].map { ($0, try number($0)) }
        result.socketErrors = errors.map(\.1).reduce(0, +)
        result.socketErrorDetail = errors.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        result.p99Milliseconds = Double(try number("p99us")) / 1000
        result.maxMilliseconds = Double(try number("maxus")) / 1000
        // Answers wrk's Lua saw and answers wrk counted are the same ones.
        if try number("responses") != result.requests {
            throw HarnessError("wrk \(workload.name): \(try number("responses")) answers checked of \(result.requests): \(line)")
        }
        return result
    }
}
