import Foundation

/// `cgi-fcgi -bind -connect SOCK`, libfcgi's command-line FastCGI client:
/// a second real client besides nginx.
///
/// It sends its whole environment as the request's params, its standard
/// input as the body (one request per connection, no FCGI_KEEP_CONN), prints the raw CGI response —
/// `Status:`/`Content-Type:` lines, a blank line, the body — and exits with
/// the END_REQUEST appStatus (0 for any response the server meant to give).
enum CGIFCGI {
    static let executable = URL(fileURLWithPath: "/usr/bin/cgi-fcgi")

    struct Result {
        var exitStatus: ExitStatus
        var response: HTTPResponse
        var raw: String
    }

    /// - Parameters:
    ///   - params: the FastCGI params (its environment: nothing else is inherited).
    ///   - body: the request body, fed on standard input.
    static func request(
        socketPath: String,
        params: [String: String],
        body: Data? = nil,
        directory: TemporaryDirectory
    ) async throws -> Result {
        let id = String(UUID().uuidString.prefix(8))
        let stdin = try body.map { try directory.write("cgi-fcgi/\(id).request", $0) }
        _ = try directory.makeDirectory("cgi-fcgi")
        let (child, status) = try await ChildProcess.run(
            name: "cgi-fcgi/\(id)", executable: executable,
            arguments: ["-bind", "-connect", socketPath],
            environment: params, directory: directory.url, stdin: stdin, timeout: .seconds(30))
        let raw = String(decoding: child.standardOutput, as: UTF8.self)
        return Result(exitStatus: status, response: try parse(raw), raw: raw)
    }

    /// Splits a CGI response at its blank line; the status comes from the
    /// `Status:` header (200 if absent, as CGI says).
    static func parse(_ raw: String) throws -> HTTPResponse {
        guard let blank = raw.range(of: "\r\n\r\n") ?? raw.range(of: "\n\n") else {
            throw HarnessError("cgi-fcgi: no blank line after the headers in:\n\(raw)")
        }
        let headers = HTTPResponse.parseHeaderLines(raw[..<blank.lowerBound])
        var response = HTTPResponse(status: 200, headerLines: headers, body: String(raw[blank.upperBound...]))
        if let status = response.header("Status"), let code = Int(status.prefix(3)) {
            response.status = code
        }
        return response
    }
}
