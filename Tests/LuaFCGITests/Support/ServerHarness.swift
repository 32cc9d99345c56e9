import Logging
import LuaFCGI
import NIOCore

/// A luafcgid server running in-process on a unix socket in a temporary directory.
final class ServerHarness {
    let directory: ScriptDirectory
    let socketPath: String
    let server: Server

    /// Runs `body` against a server with `settings`, and stops the server whatever `body` does.
    static func run(
        _ settings: [String: ConfigurationValue] = [:], _ body: (ServerHarness) async throws -> Void
    ) async throws {
        let harness = try await start(settings)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    /// Starts a server with `settings` (listen is set to the harness's socket).
    static func start(_ settings: [String: ConfigurationValue] = [:]) async throws -> ServerHarness {
        let harness = try ServerHarness(settings)
        try await harness.server.start()
        return harness
    }

    private init(_ settings: [String: ConfigurationValue]) throws {
        directory = try ScriptDirectory()
        socketPath = directory.path + "/luafcgid.sock"
        var values: [String: ConfigurationValue] = ["workers": .integer(2), "listen": .string(socketPath)]
        values.merge(settings) { $1 }
        server = Server(
            configuration: try Configuration(scriptValues: values),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
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
