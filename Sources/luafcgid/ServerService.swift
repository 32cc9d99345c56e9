import Logging
import LuaFCGI
import ServiceLifecycle
import UnixSignals

/// The server under swift-service-lifecycle (SPEC §6): starts it, writes the pid
/// file, answers the operator's signals until SIGTERM/SIGINT/SIGQUIT begin the
/// graceful shutdown, then stops it and removes the pid file.
///
/// `signals` was set up before the group ran, so a SIGHUP or SIGUSR1 that comes
/// while the server starts waits in it (instead of killing the process, their
/// default action) and is handled once the listeners are bound.
struct ServerService: Service {
    let server: Server
    let source: ConfigurationSource
    let log: LogDestination
    let logger: Logger
    let signals: UnixSignalsSequence

    /// The signals this service answers; the graceful-shutdown ones are the group's.
    static let operatorSignals: [UnixSignal] = [.sighup, .sigusr1, .sigusr2]

    func run() async throws {
        try await server.start()
        var pidFile = server.configuration.pidFile
        if let pidFile { try await writePIDFile(pidFile) }
        for await signal in signals.cancelOnGracefulShutdown() {
            switch signal {
            case .sighup, .sigusr2:
                if await reload(on: signal) { pidFile = movePIDFile(from: pidFile, to: server.configuration.pidFile) }
            case .sigusr1:
                reopenLogs()
            default:
                break
            }
        }
        await server.stop()
        if let pidFile { PIDFile.remove(pidFile) }
    }

    /// SIGHUP (and SIGUSR2, php-fpm's reload signal): re-reads the configuration and
    /// applies it; an invalid one, or one whose new address or log file cannot be
    /// opened, changes nothing and the log says why. True when applied.
    private func reload(on signal: UnixSignal) async -> Bool {
        let new: Configuration
        do {
            new = try source.load()
        } catch {
            logger.error("\(signal): not reloaded, the running configuration stays: \(error)")
            return false
        }
        for warning in new.warnings { logger.warning("\(warning)") }
        let oldLogFile = log.path
        if new.logFile != oldLogFile {
            do {
                try log.retarget(to: new.logFile)
            } catch {
                logger.error("\(signal): not reloaded, the running configuration stays: \(error)")
                return false
            }
        }
        do {
            let summary = try await server.reload(to: new)
            logger.info("\(signal): reloaded \(source.name): \(summary)")
            return true
        } catch {
            try? log.retarget(to: oldLogFile)
            logger.error("\(signal): not reloaded, the running configuration stays: \(error)")
            return false
        }
    }

    /// SIGUSR1 (logrotate): the log file and the access log are opened again by name,
    /// so rotated ones are let go. One that cannot be opened stays on its old file.
    private func reopenLogs() {
        var failures: [String] = []
        do { try log.reopen() } catch { failures.append("\(error)") }
        do { try server.reopenLogs() } catch { failures.append("\(error)") }
        if failures.isEmpty {
            logger.info("SIGUSR1: log files reopened")
        } else {
            logger.error("SIGUSR1: \(failures.joined(separator: "; ")); logging goes on to the file open before")
        }
    }

    /// A pid file that cannot be written stops the server again: exit 1, as for an address that cannot be bound.
    private func writePIDFile(_ path: String) async throws {
        do {
            try PIDFile.write(path)
        } catch {
            await server.stop()
            throw ServerError.cannotRun("\(error)")
        }
    }

    /// After a reload that named another pid file: the new one is written, the old removed.
    private func movePIDFile(from old: String?, to new: String?) -> String? {
        guard old != new else { return old }
        if let new {
            do {
                try PIDFile.write(new)
            } catch {
                logger.error("\(error); the pid file stays \(old ?? "unset")")
                return old
            }
        }
        if let old { PIDFile.remove(old) }
        return new
    }
}
