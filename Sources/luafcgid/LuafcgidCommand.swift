import ArgumentParser
import Foundation
import Logging
import LuaFCGI
import ServiceLifecycle
import UnixSignals

/// `luafcgid [CONFIG] [--listen ADDR]... [--workers N] [--states N] [--root DIR] [--check]` (SPEC §1).
///
/// Exit status: 0 after a clean shutdown (or a good `--check`), 2 for a usage
/// or configuration error, 1 when the server cannot run.
@main
struct LuafcgidCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luafcgid",
        abstract: "A multithreaded FastCGI application server for Lua.",
        discussion: "Without CONFIG the built-in defaults apply; flags override the config file.",
        version: "luafcgid 2.0.0")

    @Argument(help: "Path of a Lua configuration script.")
    var config: String?

    @Option(name: .customLong("listen"), help: ArgumentHelp(
        "Address to listen on, replacing the config's: /path.sock, unix:/path.sock, host:port, :port, [::1]:port, http://host:port. Repeatable.",
        valueName: "ADDR"))
    var listen: [String] = []

    @Option(help: "Worker threads: the most requests whose Lua code runs at once.")
    var workers: Int?

    @Option(help: "The most Lua states alive at once.")
    var states: Int?

    @Option(help: ArgumentHelp("Document root of the built-in HTTP listener.", valueName: "DIR"))
    var root: String?

    @Flag(help: "Load and validate the configuration, print the effective settings and exit.")
    var check = false

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let states, states < 1 { throw ValidationError("--states must be at least 1") }
    }

    static func main() async {
        let command: LuafcgidCommand
        do {
            var parsed = try parseAsRoot()
            guard let root = parsed as? LuafcgidCommand else {
                // `--help` and `-h` do not throw: they parse as ArgumentParser's own
                // `HelpCommand`, whose `run()` throws the help request handled below.
                try parsed.run()
                Foundation.exit(0)
            }
            command = root
        } catch {
            // Help and version exit 0 as usual; every usage error exits 2 (SPEC §1), not EX_USAGE.
            if exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        Foundation.exit(await command.serve())
    }

    /// Loads the configuration, then checks it or runs the server; returns the exit status.
    private func serve() async -> Int32 {
        let source = ConfigurationSource(
            path: config, overrides: Configuration.Overrides(listen: listen, workers: workers, states: states, root: root))
        let configuration: Configuration
        do {
            configuration = try source.load()
        } catch {
            printError("luafcgid: \(error)")
            return 2
        }
        if check {
            for warning in configuration.warnings { printError("luafcgid: warning: \(warning)") }
            print(EffectiveSettings.render(configuration, source: config), terminator: "")
            return 0
        }

        let destination: LogDestination
        do {
            destination = try configuration.logFile.map { path throws(LogFileError) in try LogDestination.file(path) }
                ?? .standardError()
        } catch {
            printError("luafcgid: \(error)")
            return 1
        }
        LoggingSystem.bootstrap { _ in LineLogHandler(destination: destination) }
        let logger = Logger(label: "luafcgid")
        for warning in configuration.warnings { logger.warning("\(warning)") }

        // A client gone mid-write must be an EPIPE for the writer, not the end of the server.
        // (Every socket write already says MSG_NOSIGNAL; this covers the rest, Lua's io.popen pipes included.)
        signal(SIGPIPE, SIG_IGN)
        // Trapped before the server starts: from here on SIGHUP and SIGUSR1 never kill it.
        let signals = await UnixSignalsSequence(trapping: ServerService.operatorSignals)
        let server = Server(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: ServerService(
                    server: server, source: source, log: destination, logger: logger, signals: signals))],
                // SIGQUIT is a graceful stop as for nginx and php-fpm, not a core dump.
                gracefulShutdownSignals: [.sigterm, .sigint, .sigquit],
                logger: logger))
        do {
            try await group.run()
        } catch let error as ServerError {
            logger.critical("\(error)")
            if configuration.logFile != nil { printError("luafcgid: \(error)") }
            return 1
        } catch {
            logger.error("\(error)")
            return 1
        }
        logger.info("luafcgid stopped")
        return 0
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
