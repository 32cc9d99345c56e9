import Foundation

/// curl talking HTTP to the private nginx over its unix socket, or to a TCP listener.
///
/// Each request's headers and body go to files under `<dir>/curl/`, which
/// stay there for a post-mortem. Every transfer has a time limit (`-m`), so
/// a server that stalls fails the test instead of hanging it.
struct Curl {
    /// The unix socket to connect to; nil for plain TCP to `base`.
    let socketPath: String?
    let directory: TemporaryDirectory
    var timeoutSeconds = 10
    /// Scheme, host and port the request paths are appended to.
    var base = "http://localhost"
    /// curl's `--limit-rate` (e.g. "4M" bytes per second), both ways: a slow client.
    var limitRate: String?

    init(socketPath: String, directory: TemporaryDirectory) {
        self.socketPath = socketPath
        self.directory = directory
    }

    /// curl to an HTTP listener on 127.0.0.1:`port`.
    init(port: Int, directory: TemporaryDirectory) {
        self.socketPath = nil
        self.directory = directory
        self.base = "http://127.0.0.1:\(port)"
    }

    static let executable = URL(fileURLWithPath: "/usr/bin/curl")

    /// One request. A `body` makes it a POST (unless `method` says otherwise).
    func request(
        _ path: String,
        method: String? = nil,
        body: Data? = nil,
        contentType: String? = nil
    ) async throws -> HTTPResponse {
        try await start(path, method: method, body: body, contentType: contentType).response()
    }

    /// Starts one request and returns at once, so that a test can watch the
    /// server while the transfer runs; `response()` waits for it.
    func start(
        _ path: String,
        method: String? = nil,
        body: Data? = nil,
        contentType: String? = nil
    ) throws -> Running {
        let transfer = try Transfer(directory: directory)
        var arguments = commonArguments + transfer.outputArguments
        if let body {
            let bodyFile = try directory.write("curl/\(transfer.id).request", body)
            arguments += ["--data-binary", "@\(bodyFile.path)", "-H", "Expect:"]
        }
        if let method { arguments += ["-X", method] }
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
        arguments.append(url(path))
        let child = try ChildProcess(
            name: "curl/\(transfer.id)", executable: Self.executable, arguments: arguments,
            directory: directory.url)
        return Running(path: path, process: child, transfer: transfer, timeout: .seconds(timeoutSeconds + 10))
    }

    /// Several requests at once: one curl process each, all started before
    /// any is waited for. Responses come back in the order of `paths`.
    func concurrent(_ paths: [String]) async throws -> [HTTPResponse] {
        let running = try paths.map { try start($0) }
        defer { for transfer in running { transfer.kill() } }
        var responses: [HTTPResponse] = []
        for transfer in running {
            responses.append(try await transfer.response())
        }
        return responses
    }

    /// A curl process started by `start`, not waited for yet.
    struct Running {
        let path: String
        let process: ChildProcess
        fileprivate let transfer: Transfer
        /// How long `response()` waits at most: curl's own `-m` and then some.
        let timeout: Duration

        var isRunning: Bool { process.isRunning }

        /// Waits (bounded) for curl to end; its response, or a `HarnessError` if curl
        /// failed or is still running at the deadline (then it is stopped).
        func response() async throws -> HTTPResponse {
            let status: ExitStatus
            do {
                status = try await process.waitForExit(timeout: timeout)
            } catch {
                await process.stop()
                throw error
            }
            guard status == .exited(0) else {
                throw HarnessError("curl \(path) failed (\(status)): \(process.standardError)")
            }
            return try transfer.response()
        }

        /// Kills curl if it still runs (by its PID): for a test that gives up early.
        func kill() {
            if process.isRunning { process.send(SIGKILL) }
        }
    }

    /// Many requests one after the other from a single curl process, which
    /// keeps one connection to nginx; nginx's upstream `keepalive` then
    /// reuses its FastCGI connections. Returns (status, body) per path, in order.
    ///
    /// A stalled request fails the whole sequence within 30 s: normally
    /// 200 requests take a second or two. Bodies must not contain the
    /// separator `<<<status=`.
    func sequence(_ paths: [String]) async throws -> [(status: Int, body: String)] {
        let arguments = commonArguments + ["-w", "<<<status=%{http_code}>>>\n"] + paths.map(url)
        let child = try ChildProcess(
            name: "curl/sequence-\(UUID().uuidString.prefix(8))", executable: Self.executable,
            arguments: arguments, directory: directory.url)
        let status: ExitStatus
        do {
            status = try await child.waitForExit(timeout: .seconds(30))
        } catch {
            await child.stop()
            let answered = Self.parseSequence(child.standardOutput).count
            throw HarnessError("curl sequence stalled: \(answered) of \(paths.count) requests answered in 30 s")
        }
        guard status == .exited(0) else {
            throw HarnessError("curl sequence failed (\(status)): \(child.standardError)")
        }
        return Self.parseSequence(child.standardOutput)
    }

    private static func parseSequence(_ output: Data) -> [(status: Int, body: String)] {
        var results: [(Int, String)] = []
        var rest = Substring(String(decoding: output, as: UTF8.self))
        while let marker = rest.range(of: "<<<status=") {
            let body = String(rest[..<marker.lowerBound])
            let afterMarker = rest[marker.upperBound...]
            guard let end = afterMarker.range(of: ">>>\n") else { break }
            results.append((Int(afterMarker[..<end.lowerBound]) ?? -1, body))
            rest = afterMarker[end.upperBound...]
        }
        return results
    }

    private var commonArguments: [String] {
        ["-sS", "-m", String(timeoutSeconds)] + (socketPath.map { ["--unix-socket", $0] } ?? [])
            + (limitRate.map { ["--limit-rate", $0] } ?? [])
    }

    private func url(_ path: String) -> String {
        base + path
    }

    /// The files of one transfer: `<id>.headers` (`-D`) and `<id>.body` (`-o`).
    fileprivate struct Transfer {
        let id: String
        let headersURL: URL
        let bodyURL: URL

        init(directory: TemporaryDirectory) throws {
            id = String(UUID().uuidString.prefix(8))
            _ = try directory.makeDirectory("curl")
            headersURL = directory.file("curl/\(id).headers")
            bodyURL = directory.file("curl/\(id).body")
        }

        var outputArguments: [String] { ["-D", headersURL.path, "-o", bodyURL.path] }

        /// Reads the files back. With interim responses (100 Continue) `-D`
        /// holds several header blocks; the last one is the response.
        func response() throws -> HTTPResponse {
            let headers = String(decoding: try Data(contentsOf: headersURL), as: UTF8.self)
            let body = String(decoding: (try? Data(contentsOf: bodyURL)) ?? Data(), as: UTF8.self)
            guard let last = headers.ranges(of: "HTTP/").last else {
                throw HarnessError("curl: no HTTP status line in \(headersURL.path): \(headers)")
            }
            let block = headers[last.lowerBound...]
            let statusLine = block.prefix { !$0.isNewline }
            let fields = statusLine.split(separator: " ")
            guard fields.count >= 2, let status = Int(fields[1]) else {
                throw HarnessError("curl: bad status line '\(statusLine)'")
            }
            return HTTPResponse(
                status: status,
                headerLines: HTTPResponse.parseHeaderLines(block.dropFirst(statusLine.count)),
                body: body)
        }
    }
}
