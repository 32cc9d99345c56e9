#if canImport(Glibc)
import Glibc
#endif
import FastCGI
import Foundation
import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix

/// A running luafcgid: FastCGI listeners served by the worker threads, the
/// HTTP listener on an event loop, the request queue, the script pool and
/// housekeeping (docs/ARCHITECTURE.md: one request, end to end).
///
/// `reload(to:)` (SIGHUP) applies a new configuration in place: see its comment.
public final class Server: Sendable {
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    let pool: ScriptPool<ScriptState>
    let loop: WorkerLoop
    /// What the workers call for each request; a reload puts in one built from the new configuration.
    let runner: Reloadable<RequestRunner>
    let housekeeper: Housekeeper
    /// The counters of the status page, and what sees every answer (counters, access log):
    /// made here, not by the runner, so they live across a reload.
    let statistics = ServerStatistics()
    /// `luafcgid.shared`: one store for every state, kept across reloads (which resize it).
    let shared: SharedStore
    let observer: ResponseObserver
    /// Why `accesslog` could not be opened: `start` fails with it.
    private let accessLogFailure: LogFileError?
    let listeners: NIOLockedValueBox<[Listener]> = .init([])
    /// Set by `stop`: a reload that comes later does nothing.
    let stopping = NIOLockedValueBox(false)

    /// The configuration in force: the one given, or the last one a reload applied.
    public var configuration: Configuration {
        runner.current.configuration
    }

    /// A bound listener, and the unix socket file it created, if any.
    struct Listener: Sendable {
        enum Socket: Sendable {
            /// FastCGI: accepted and served by the workers themselves, with the settings
            /// the listener shares with its connections.
            case workers(FastCGIListener, port: Int?, settings: Reloadable<FastCGIConnection.Settings>)
            /// HTTP: a channel on the event loops, with the settings each new connection takes.
            case eventLoop(any Channel, settings: Reloadable<HTTPFront.Settings>)
        }

        let address: ListenAddress
        let socket: Socket
        let socketFile: String?

        var port: Int? {
            switch socket {
            case .workers(_, let port, _): port
            case .eventLoop(let channel, _): channel.localAddress?.port
            }
        }
    }

    public init(configuration: Configuration, logger: Logger) {
        self.logger = logger
        // The event loop serves only the built-in HTTP listener (FastCGI is read and
        // written by the workers themselves); Lua runs on the workers. One loop will do.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        pool = ScriptPool(capacity: configuration.states, clonesPerScript: configuration.clones)
        loop = WorkerLoop(capacity: configuration.queue)
        var accessLog: AccessLog?
        var accessLogFailure: LogFileError?
        do {
            accessLog = try configuration.accessLog.map { path throws(LogFileError) in try AccessLog(path: path) }
        } catch {
            accessLogFailure = error
        }
        self.accessLogFailure = accessLogFailure
        observer = ResponseObserver(statistics: statistics, accessLog: accessLog)
        shared = SharedStore(megabytes: configuration.sharedMiB)
        runner = Reloadable(RequestRunner(
            configuration: configuration, pool: pool, logger: logger, statistics: statistics, shared: shared,
            waiting: { [loop] in loop.waiting }))
        housekeeper = Housekeeper(
            pool: pool, shared: shared, periodMilliseconds: configuration.sweepMilliseconds, logger: logger)
    }

    /// Starts the workers and housekeeping and binds every listener; on a bind
    /// failure, what was bound is closed again and the error names the address.
    public func start() async throws(ServerError) {
        if let accessLogFailure { throw .cannotRun("cannot open the access log \(accessLogFailure.path): \(accessLogFailure.reason)") }
        let runner = self.runner
        let configuration = self.configuration
        loop.start(
            workers: configuration.workers,
            work: .init(
                run: { runner.current.run($0) }, refuse: { runner.current.refuse($0) },
                answerAtOnce: { runner.current.answerAtOnce($0) }))
        housekeeper.start()
        for address in configuration.listen {
            do {
                let listener = try await bind(address, configuration: configuration)
                listeners.withLockedValue { $0.append(listener) }
                // Port 0 asks the system for a free port: say which one it gave.
                logger.info("listening on \(address.boundTo(port: listener.port))")
            } catch {
                await stop()
                throw error
            }
        }
        logger.info(
            "luafcgid started: \(configuration.workers) workers, \(configuration.states) states, \(configuration.clones) clones per script")
    }

    /// Listeners and connections in the worker loop's table (for tests: a closed connection leaves it).
    var sourcesInLoop: Int {
        loop.registeredCount
    }

    /// Requests waiting in the queue for a worker (for tests).
    var waitingRequests: Int {
        loop.waiting
    }

    /// Reopens the access log (SIGUSR1, for logrotate): a rotated file is let go and a new
    /// one created at the `accesslog` path. The main log (`logfile`) is the command's, which
    /// reopens it itself. Throws when the file cannot be opened again; the old one is kept then.
    public func reopenLogs() throws(LogFileError) {
        try observer.accessLog?.reopen()
    }

    /// Stops accepting, lets queued and running requests finish (up to `watchdog`
    /// seconds, at least a moment), closes the states and removes the socket files it created.
    public func stop() async {
        stopping.withLockedValue { $0 = true }
        let bound = listeners.withLockedValue { current in
            defer { current.removeAll() }
            return current
        }
        for listener in bound { await close(listener) }
        let configuration = self.configuration
        let grace = Duration.milliseconds(Int64(max(configuration.watchdogSeconds, 1) * 1000))
        // Waiting for the workers blocks: on a thread of its own, not on the caller's executor.
        let loop = self.loop
        let drained = await withCheckedContinuation { finished in
            Thread { finished.resume(returning: loop.stop(timeout: grace)) }.start()
        }
        if !drained {
            logger.warning("requests still running after \(grace); stopping anyway")
        }
        housekeeper.stop()
        _ = pool.close()
        try? await group.shutdownGracefully()
    }

    /// Stops accepting on `listener` and removes the socket file it created.
    func close(_ listener: Listener) async {
        switch listener.socket {
        case .workers(let socket, _, _): socket.close(in: loop)
        case .eventLoop(let channel, _): try? await channel.close()
        }
        if let file = listener.socketFile { UnixSocketFile.remove(file) }
    }

    func bind(_ address: ListenAddress, configuration: Configuration) async throws(ServerError) -> Listener {
        switch address {
        case .unix(let path):
            switch UnixSocketFile.inspect(path) {
            case .live: throw .cannotBind(address: address.description, reason: "a live server is listening on it")
            case .notASocket: throw .cannotBind(address: address.description, reason: "a file that is not a socket is in the way")
            case .stale:
                logger.info("replacing the stale socket file \(path)")
                UnixSocketFile.remove(path)
            case .nothing: break
            }
            let settings = fastCGISettings(configuration)
            let listener = try listenFastCGI(address, settings: settings) { () throws(ListeningSocket.Failure) in
                try ListeningSocket.unix(path: path, backlog: configuration.backlog)
            }
            setMode(of: path, configuration)
            return Listener(address: address, socket: .workers(listener, port: nil, settings: settings), socketFile: path)
        case .tcp(let host, let port):
            var boundPort: Int?
            let settings = fastCGISettings(configuration)
            let listener = try listenFastCGI(address, settings: settings) { () throws(ListeningSocket.Failure) in
                let fd = try ListeningSocket.tcp(host: host, port: port, backlog: configuration.backlog)
                boundPort = ListeningSocket.port(of: fd)
                return fd
            }
            return Listener(address: address, socket: .workers(listener, port: boundPort, settings: settings), socketFile: nil)
        case .http(let host, let port):
            let settings = Reloadable(httpSettings(configuration, host: host, port: port))
            let submit: @Sendable (Request) -> Bool = { [loop] in loop.submit($0) }
            let bootstrap = makeBootstrap(backlog: configuration.backlog) { channel in
                try channel.pipeline.syncOperations.addHTTPFront(settings.current, submit: submit)
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            let channel = try await bind(address) { try await bootstrap.bind(host: host, port: port).get() }
            return Listener(address: address, socket: .eventLoop(channel, settings: settings), socketFile: nil)
        }
    }

    func setMode(of socketFile: String, _ configuration: Configuration) {
        if let reason = UnixSocketFile.setMode(socketFile, configuration.socketMode) {
            logger.warning("cannot set mode \(String(configuration.socketMode, radix: 8)) on \(socketFile): \(reason)")
        }
    }

    /// A bootstrap on the server's event loops whose connections get `pipeline`.
    private func makeBootstrap(
        backlog: Int, _ pipeline: @escaping @Sendable (any Channel) throws -> Void
    ) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try pipeline(channel) }
            }
    }

    /// Binds with `bind`, mapping any failure to an error naming the address.
    private func bind(
        _ address: ListenAddress, _ bind: () async throws -> any Channel
    ) async throws(ServerError) -> any Channel {
        do {
            return try await bind()
        } catch {
            throw .cannotBind(address: address.description, reason: "\(error)")
        }
    }

    /// What a FastCGI listener's connections need of `configuration`.
    private func fastCGISettings(_ configuration: Configuration) -> Reloadable<FastCGIConnection.Settings> {
        Reloadable(connectionSettings(configuration))
    }

    func connectionSettings(_ configuration: Configuration) -> FastCGIConnection.Settings {
        // FCGI_MAX_REQS: every request read is running on a worker or waiting in the queue.
        FastCGIConnection.Settings(
            configuration: configuration, logger: logger,
            protocolConfiguration: FastCGIServerConfiguration(
                maxConnections: Self.fileDescriptorLimit(), maxRequests: configuration.workers + configuration.queue),
            observer: observer)
    }

    /// What an `http://host:port` listener's connections need of `configuration`.
    func httpSettings(_ configuration: Configuration, host: String, port: Int) -> HTTPFront.Settings {
        HTTPFront.Settings(configuration: configuration, host: host, port: port, logger: logger, observer: observer)
    }

    /// Makes a FastCGI listening socket with `listen` and hands it to the workers.
    private func listenFastCGI(
        _ address: ListenAddress, settings: Reloadable<FastCGIConnection.Settings>,
        _ listen: () throws(ListeningSocket.Failure) -> Int32
    ) throws(ServerError) -> FastCGIListener {
        let descriptor: Int32
        do {
            descriptor = try listen()
        } catch {
            throw .cannotBind(address: address.description, reason: error.description)
        }
        guard let listener = FastCGIListener.start(descriptor: descriptor, settings: settings, in: loop) else {
            throw .cannotBind(address: address.description, reason: "the server is stopping")
        }
        return listener
    }

    /// The most connections the process can hold open: its file descriptor limit.
    private static func fileDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int.max) else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }
}
