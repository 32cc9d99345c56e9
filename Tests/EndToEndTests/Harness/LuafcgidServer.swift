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
    /// the shell execs luafcgid, so the PID is luafcgid's. A `user` starts it
    /// through `setpriv` as that uid (and the same gid, no other groups): the
    /// tests run as root, whom no file permission stops. The directory is given
    /// to that user, so that luafcgid can make its socket there.
    static func start(
        in directory: TemporaryDirectory,
        config: String,
        name: String = "luafcgid",
        arguments: [String] = [],
        descriptorLimit: Int? = nil,
        user: UInt32? = nil
    ) async throws -> LuafcgidServer {
        let binary = try LuafcgidBinary.url()
        let socketPath = directory.file("\(name).sock").path
        try UnixSocket.checkLength(socketPath)
        let configURL = try directory.write(
            "\(name).conf.lua",
            "listen = \"unix:\(socketPath)\"\n\(config)\n")
        var command = [binary.path, configURL.path] + arguments
        if let user {
            guard chown(directory.path, user, user) == 0 else {
                throw HarnessError("chown \(directory.path): \(String(cString: strerror(errno)))")
            }
            command = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--"] + command
        }
        if let descriptorLimit {
            command = ["/bin/sh", "-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\""] + command
        }
        let process = try ChildProcess(
            name: name, executable: URL(fileURLWithPath: command[0]), arguments: Array(command.dropFirst()),
            directory: directory.url)
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

    /// Adds `text` at the end of the config file, for a reload (SIGHUP) to read:
    /// later assignments win over the earlier ones.
    func appendToConfig(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: configURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n\(text)\n".utf8))
        try handle.close()
    }

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
