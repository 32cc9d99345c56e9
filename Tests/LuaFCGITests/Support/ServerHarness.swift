import Logging
import LuaFCGI
import NIOCore

/// A luafcgid server running in-process on a unix socket in a temporary directory.
/// Used by one test at a time; the server it holds is thread-safe.
final class ServerHarness: @unchecked Sendable {
    let directory: ScriptDirectory
    let socketPath: String
    let server: Server

    /// Runs `body` against a server with `settings`, and stops the server whatever `body` does.
    /// The server logs to `logger`, by default nowhere.
    static func run(
        _ settings: [String: ConfigurationValue] = [:], logger: Logger? = nil, _ body: (ServerHarness) async throws -> Void
    ) async throws {
        let harness = try await start(settings, logger: logger)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    /// `run`, with `body` on a thread of its own: for tests that block on sockets for a
    /// while, which must not hold one of Swift concurrency's few threads (`onThread`).
    static func runOnThread(
        _ settings: [String: ConfigurationValue] = [:], _ body: @escaping @Sendable (ServerHarness) throws -> Void
    ) async throws {
        try await run(settings) { harness in try await onThread { try body(harness) } }
    }

    /// Starts a server with `settings` (listen is set to the harness's socket unless `settings` sets it).
    static func start(_ settings: [String: ConfigurationValue] = [:], logger: Logger? = nil) async throws -> ServerHarness {
        let harness = try ServerHarness(settings, logger: logger)
        try await harness.server.start()
        return harness
    }

    private init(_ settings: [String: ConfigurationValue], logger: Logger?) throws {
        directory = try ScriptDirectory()
        socketPath = directory.path + "/luafcgid.sock"
        var values: [String: ConfigurationValue] = ["workers": .integer(2), "listen": .string(socketPath)]
        values.merge(settings) { $1 }
        // The HTTP listener, when a test adds one, serves the harness directory.
        server = Server(
            configuration: try Configuration(scriptValues: values, overrides: .init(root: directory.path)),
            logger: logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func stop() async {
        await server.stop()
    }

    @discardableResult
    func write(_ name: String, _ source: String) throws -> String {
        try directory.write(name, source)
    }

    func connect() throws -> FastCGITestClient {
        try FastCGITestClient(unixSocket: socketPath)
    }

    /// The parameters nginx would send for `script` in the harness directory.
    func parameters(_ script: String, _ extra: [(String, String)] = []) -> [(String, String)] {
        [("SCRIPT_FILENAME", directory.path + "/" + script), ("SCRIPT_NAME", "/" + script), ("REQUEST_METHOD", "GET")] + extra
    }
}
