import Foundation

/// The real luafcgid binary running as a child process on a unix socket in a
/// test's directory, with `<dir>/luafcgid.conf.lua` as its configuration and
/// its log (standard error) captured to `<dir>/luafcgid.stderr`.
final class LuafcgidServer {
    let socketPath: String
    let configURL: URL
    let process: ChildProcess

    /// Writes the config — a `listen` line for `<dir>/luafcgid.sock`, then
    /// `config` — starts the binary on it and polls until the socket accepts
    /// a connection. Fails early, with the log, if the process exits instead.
    ///
    /// A `descriptorLimit` starts it through `sh -c 'ulimit -n N; exec …'`:
    /// the shell execs luafcgid, so the PID is luafcgid's.
    static func start(
        in directory: TemporaryDirectory,
        config: String,
        name: String = "luafcgid",
        arguments: [String] = [],
        descriptorLimit: Int? = nil
    ) async throws -> LuafcgidServer {
        let binary = try LuafcgidBinary.url()
        let socketPath = directory.file("\(name).sock").path
        try UnixSocket.checkLength(socketPath)
        let configURL = try directory.write(
            "\(name).conf.lua",
            "listen = \"unix:\(socketPath)\"\n\(config)\n")
        let process: ChildProcess
        if let descriptorLimit {
            process = try ChildProcess(
                name: name, executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary.path, configURL.path] + arguments,
                directory: directory.url)
        } else {
            process = try ChildProcess(
                name: name, executable: binary, arguments: [configURL.path] + arguments,
                directory: directory.url)
        }
        let server = LuafcgidServer(socketPath: socketPath, configURL: configURL, process: process)
        do {
            try await poll("\(name) to accept connections on \(socketPath)") {
                if let status = process.exitStatus {
                    throw HarnessError("\(name) ended (\(status)) before listening; its log:\n\(process.standardError)")
                }
                return UnixSocket.acceptsConnections(at: socketPath)
            }
        } catch {
            await process.stop()
            throw error
        }
        return server
    }

    private init(socketPath: String, configURL: URL, process: ChildProcess) {
        self.socketPath = socketPath
        self.configURL = configURL
        self.process = process
    }

    /// Everything logged so far.
    var log: String { process.standardError }

    /// Waits (bounded) until the log contains `text`; logging may lag behind
    /// the response that caused it.
    func waitForLog(containing text: String, timeout: Duration = .seconds(10)) async throws {
        try await poll("the luafcgid log to contain \"\(text)\"; it has:\n\(log)", timeout: timeout) {
            log.contains(text)
        }
    }

    @discardableResult
    func stop() async -> ExitStatus? {
        await process.stop()
    }
}
