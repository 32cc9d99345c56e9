#if canImport(Glibc)
import Glibc
#endif
import FastCGI
import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix

/// A running luafcgid: listeners on event loops, the request queue, the
/// worker threads, the script pool and housekeeping (DESIGN: one request, end to end).
public final class Server: Sendable {
    public let configuration: Configuration
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let pool: ScriptPool<ScriptState>
    private let dispatcher: Dispatcher
    private let runner: RequestRunner
    private let housekeeper: Housekeeper
    private let listeners: NIOLockedValueBox<[Listener]> = .init([])

    /// A bound listening channel, and the unix socket file it created, if any.
    private struct Listener: Sendable {
        let address: ListenAddress
        let channel: any Channel
        let socketFile: String?
    }

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        // Event loops only move bytes; Lua runs on the workers. One loop per two cores
        // leaves the cores to the workers and the web server.
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount / 2))
        pool = ScriptPool(capacity: configuration.states, clonesPerScript: configuration.clones)
        dispatcher = Dispatcher(capacity: configuration.queue)
        runner = RequestRunner(configuration: configuration, pool: pool, logger: logger)
        housekeeper = Housekeeper(pool: pool, periodMilliseconds: configuration.sweepMilliseconds, logger: logger)
    }

    /// Starts the workers and housekeeping and binds every listener; on a bind
    /// failure, what was bound is closed again and the error names the address.
    public func start() async throws(ServerError) {
        let runner = self.runner
        dispatcher.start(workers: configuration.workers) { runner.run($0) }
        housekeeper.start()
        for address in configuration.listen {
            do {
                let listener = try await bind(address)
                listeners.withLockedValue { $0.append(listener) }
                // Port 0 asks the system for a free port: say which one it gave.
                logger.info("listening on \(address.boundTo(port: listener.channel.localAddress?.port))")
            } catch {
                await stop()
                throw error
            }
        }
        logger.info(
            "luafcgid started: \(configuration.workers) workers, \(configuration.states) states, \(configuration.clones) clones per script")
    }

    /// Stops accepting, lets queued and running requests finish (up to `watchdog`
    /// seconds, at least a moment), closes the states and removes the socket files it created.
    public func stop() async {
        let bound = listeners.withLockedValue { current in
            defer { current.removeAll() }
            return current
        }
        for listener in bound {
            try? await listener.channel.close()
            if let file = listener.socketFile { UnixSocketFile.remove(file) }
        }
        let grace = Duration.milliseconds(Int64(max(configuration.watchdogSeconds, 1) * 1000))
        if !dispatcher.stop(timeout: grace) {
            logger.warning("requests still running after \(grace); stopping anyway")
        }
        housekeeper.stop()
        _ = pool.close()
        try? await group.shutdownGracefully()
    }

    private func bind(_ address: ListenAddress) async throws(ServerError) -> Listener {
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
            let channel = try await bindFastCGI(address) { try await $0.bind(unixDomainSocketPath: path).get() }
            if let reason = UnixSocketFile.setMode(path, configuration.socketMode) {
                logger.warning("cannot set mode \(String(configuration.socketMode, radix: 8)) on \(path): \(reason)")
            }
            return Listener(address: address, channel: channel, socketFile: path)
        case .tcp(let host, let port):
            let channel = try await bindFastCGI(address) { try await $0.bind(host: host, port: port).get() }
            return Listener(address: address, channel: channel, socketFile: nil)
        case .http(let host, let port):
            let settings = HTTPFront.Settings(configuration: configuration, host: host, port: port)
            let submit: @Sendable (Request) -> Bool = { [dispatcher] in dispatcher.submit($0) }
            let bootstrap = makeBootstrap { channel in
                try channel.pipeline.syncOperations.addHTTPFront(settings, submit: submit)
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            let channel = try await bind(address) { try await bootstrap.bind(host: host, port: port).get() }
            return Listener(address: address, channel: channel, socketFile: nil)
        }
    }

    /// A bootstrap on the server's event loops whose connections get `pipeline`.
    private func makeBootstrap(
        _ pipeline: @escaping @Sendable (any Channel) throws -> Void
    ) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
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

    /// Binds a FastCGI listener with `bind`.
    private func bindFastCGI(
        _ address: ListenAddress, _ bind: @escaping (ServerBootstrap) async throws -> any Channel
    ) async throws(ServerError) -> any Channel {
        let settings = FastCGIFront.Settings(
            configuration: configuration, logger: logger, submit: { [dispatcher] in dispatcher.submit($0) })
        let protocolConfiguration = FastCGIServerConfiguration(
            maxConnections: Self.fileDescriptorLimit(), maxRequests: configuration.workers + configuration.queue)
        let bootstrap = makeBootstrap { channel in
            try channel.pipeline.syncOperations.addFastCGIServerHandlers(configuration: protocolConfiguration)
            try channel.pipeline.syncOperations.addHandler(FastCGIFront(settings: settings))
        }
        return try await self.bind(address) { try await bind(bootstrap) }
    }

    /// The most connections the process can hold open: its file descriptor limit.
    private static func fileDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int.max) else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }
}
