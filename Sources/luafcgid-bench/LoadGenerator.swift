import Foundation

/// The repository's FastCGI load generator, `luafcgid-load`, talking to
/// luafcgid's socket with no web server in between. Its `--json` output is
/// one line:
/// `{"requests":123,"seconds":5.0,"rps":24.6,"p50_us":100,"p99_us":300,"errors":0,"non2xx":0}`.
struct LoadGenerator {
    let executable: String
    let workspace: Workspace

    func run(socket: String, arguments: [String], timeout: Duration, name: String) throws -> LoadResult {
        let output = try ChildProcess.run(
            name: name, executable: executable,
            arguments: ["--connect", "unix:\(socket)", "--json"] + arguments,
            directory: workspace.path, timeout: timeout)
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let report = try? JSONDecoder().decode(Report.self, from: Data(line.utf8))
        else {
            throw BenchError("luafcgid-load: unexpected output: \(output)")
        }
        return LoadResult(
            requests: report.requests, seconds: report.seconds, requestsPerSecond: report.rps,
            p50: report.p50_us, p99: report.p99_us, errors: report.errors, non2xx: report.non2xx)
    }

    private struct Report: Decodable {
        let requests: Int
        let seconds: Double
        let rps: Double
        let p50_us: Double
        let p99_us: Double
        let errors: Int
        let non2xx: Int
    }
}
