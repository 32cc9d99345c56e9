import Logging
import Lua
import NIOCore
import Synchronization

/// Runs one request on the calling worker thread (SPEC §3): resolve the script,
/// lease a state, call the handler, answer, give the state back.
final class RequestRunner: Sendable {
    let configuration: Configuration
    let pool: ScriptPool<ScriptState>
    private let resolver: ScriptResolver
    private let logger: Logger
    private let generations = Atomic<UInt64>(0)
    /// `watchdog` is also the longest a request may wait for a worker.
    private let limits: ScriptLimits
    private let preload: Preload?
    /// The largest script (and preload) file read, from `memory`.
    private let sourceSizeLimit: Int
    /// The server's counters, which outlive this runner (a reload makes a new one).
    let statistics: ServerStatistics
    /// The process's shared store (`luafcgid.shared`), which also outlives this runner.
    let shared: SharedStore
    private let pages: OperationsPages

    /// - Parameters:
    ///   - statistics: the server's counters (`Server` owns them, so they survive a reload).
    ///   - shared: the process's shared store (`Server` owns it); nil: a store of its own,
    ///     sized by `configuration.sharedMiB` (for a runner without a server, as in tests).
    ///   - waiting: how many requests wait in the queue now, for the status page.
    init(
        configuration: Configuration, pool: ScriptPool<ScriptState>, logger: Logger,
        statistics: ServerStatistics = ServerStatistics(), shared: SharedStore? = nil,
        waiting: @escaping @Sendable () -> Int = { 0 }
    ) {
        self.configuration = configuration
        self.pool = pool
        self.resolver = ScriptResolver(extensions: configuration.extensions, roots: configuration.roots)
        self.logger = logger
        self.limits = ScriptLimits(configuration: configuration)
        let sourceSizeLimit = ScriptSource.sizeLimit(memoryMiB: configuration.memoryMiB)
        self.sourceSizeLimit = sourceSizeLimit
        self.preload = configuration.preload.map { Preload(path: $0, sizeLimit: sourceSizeLimit) }
        self.statistics = statistics
        self.shared = shared ?? SharedStore(megabytes: configuration.sharedMiB)
        self.pages = OperationsPages(
            configuration: configuration, statistics: statistics, pool: pool, shared: self.shared, waiting: waiting)
        for warning in resolver.warnings { logger.warning("\(warning)") }
    }

    /// Answers the ping and status pages where the request was read, before it would be
    /// queued (`WorkerLoop.Work.answerAtOnce`); true if it did.
    func answerAtOnce(_ request: Request) -> Bool {
        pages.answer(request, onReadingThread: true)
    }

    func run(_ request: Request) {
        guard !request.isAborted else { return }
        // A page whose body was still coming when it was read is answered here, on a worker.
        if pages.answer(request, onReadingThread: false) { return }
        statistics.running.increment()
        defer { statistics.running.decrement() }
        let path = Self.path(of: request)
        if let watchdog = limits.watchdog, ContinuousClock.now - request.arrival > watchdog {
            logger.warning("503: \(path ?? "a request") waited longer than watchdog = \(configuration.watchdogSeconds) s for a worker")
            ErrorPage.send(.serviceUnavailable, path: path, configuration: configuration, sink: request.sink)
            return
        }
        switch resolver.resolve(request.parameters) {
        case .refused(let refusal):
            send(refusal, for: request, path: path)
        case .script(let script, let signature):
            request.ranScript(script)
            run(request, script: script, signature: signature, path: path)
        }
    }

    /// The request path an error page and the log show.
    private static func path(of request: Request) -> String? {
        request.parameters["SCRIPT_NAME"] ?? request.parameters["DOCUMENT_URI"]
    }

    /// Answers 503 for a request that found the queue full (or the server stopping).
    func refuse(_ request: Request) {
        let path = Self.path(of: request)
        logger.warning("503: \(path ?? "a request"): every worker busy and the queue full (queue = \(configuration.queue))")
        ErrorPage.send(.serviceUnavailable, path: path, configuration: configuration, sink: request.sink)
    }

    private func run(_ request: Request, script: String, signature: FileSignature, path: String?) {
        guard var lease = pool.acquire(script: script, signature: signature) else {
            ErrorPage.send(.serviceUnavailable, path: path, configuration: configuration, sink: request.sink)
            return
        }
        lease.dropped.removeAll()  // closes states the pool let go of, outside its lock
        // The watchdog and slowlog count from here: the preload and chunk of a new state and the handler share them.
        let start = ContinuousClock.now
        let deadline = limits.watchdog.map { start + $0 }
        let slowWatch = limits.slowLog.map {
            SlowRequestWatch(
                script: script, request: request.parameters["REQUEST_URI"] ?? path ?? script, threshold: $0,
                setting: configuration.shown("slowlog"), start: start, logger: logger)
        }
        defer { slowWatch?.finish() }
        let state: ScriptState
        if let leased = lease.state {
            state = leased
        } else {
            let source: ScriptSource
            do {
                source = try ScriptSource(path: script, sizeLimit: sourceSizeLimit)
            } catch {
                pool.release(lease, keep: false)
                send(error, for: request, path: path)
                return
            }
            do {
                let created = try ScriptState(
                    script: script, source: source, preload: preload, limits: limits, deadline: deadline,
                    slowWatch: slowWatch, shared: shared)
                created.statistics = statistics.script(script)
                created.statistics?.loaded()
                pool.attach(created, to: &lease)
                state = created
            } catch {
                pool.release(lease, keep: false)
                switch error {
                case .script(let error):
                    fail(request, script: script, path: path, error: error, while: "loading")
                case .preload(let preloadPath, let error):
                    fail(
                        request, script: "preload \(preloadPath) (for \(script))", path: path, error: error, while: "loading",
                        pageNames: "preload \(preloadPath): ")
                }
                return
            }
        }

        let generation = generations.add(1, ordering: .relaxed).newValue
        let context = RequestContext(
            request: request, configuration: configuration, logger: logger, script: script, generation: generation)
        let outcome = state.handle(
            request, handler: configuration.handler, context: context, deadline: deadline, slowWatch: slowWatch)
        state.statistics?.requests.increment()
        // The state goes back before the response is sent: Lua is done with it, and the next
        // request need not wait for the write. It is kept after handler errors (SPEC §3.5);
        // one stopped by a limit, or done with its `maxcount` requests, is closed.
        pool.release(lease, keep: state.isReusable)

        // After `con:finish()` the client has its answer: nothing more goes to it (not even to
        // the web server's log: the request is over there), and an error is only logged.
        if context.response.isFinished {
            if case .failed(let error) = outcome { log(error, script: script, while: "running after con:finish()", sink: nil) }
            return
        }
        request.sink.checkClient()
        switch outcome {
        case .returned where request.isAborted:
            break
        case .returned:
            context.response.finish()
        case .aborted:
            break
        case .missingHandler:
            let message = "\(script): \(configuration.handler)() function not found"
            logger.error("\(message)")
            request.sink.sendErrorLog(message)
            if context.response.headSent {
                context.response.cutOff()
            } else {
                ErrorPage.send(
                    .internalServerError, path: path, details: configuration.showErrors ? message : nil, end: .failed,
                    configuration: configuration, sink: request.sink)
            }
        case .failed where context.bodyFailure.isTooLarge && !context.response.headSent:
            logger.info("413: \(script): request body over maxpost = \(configuration.maxPost) bytes")
            ErrorPage.send(.payloadTooLarge, path: path, configuration: configuration, sink: request.sink)
        case .failed(let error):
            if context.response.headSent {
                log(error, script: script, while: "running", sink: request.sink)
                context.response.cutOff()
            } else {
                fail(request, script: script, path: path, error: error, while: "running")
            }
        }
    }

    /// Answers a request whose script does not run, logged at the refusal's level.
    private func send(_ refusal: ScriptRefusal, for request: Request, path: String?) {
        logger.log(level: refusal.logLevel, "\(refusal)")
        ErrorPage.send(refusal.status, path: path, configuration: configuration, sink: request.sink)
    }

    /// Logs a script error and answers it: 504 for the watchdog, 500 for anything
    /// else, with the details on the page only with `showerrors`. `script` names
    /// what failed in the log; `pageNames`, on the page, goes before the details.
    private func fail(
        _ request: Request, script: String, path: String?, error: LuaError, while activity: String, pageNames: String = ""
    ) {
        log(error, script: script, while: activity, sink: request.sink)
        let status: ResponseStatus = if case .timeout = error { .gatewayTimeout } else { .internalServerError }
        ErrorPage.send(
            status, path: path, details: configuration.showErrors ? pageNames + error.details : nil, end: .failed,
            configuration: configuration, sink: request.sink)
    }

    /// Logs `error`, and passes it to the web server's log through `sink` when one is given.
    private func log(_ error: LuaError, script: String, while activity: String, sink: (any ResponseSink)?) {
        let message: String
        switch error {
        case .timeout(let traceback):
            statistics.timeouts.increment()
            let shown = configuration.shown("watchdog")
            message = "\(script): stopped by the watchdog while \(activity): it ran \(shown) s (watchdog = \(shown)); "
                + "the state is closed" + (traceback.isEmpty ? "" : "\n\(traceback)")
        case .memory:
            statistics.memoryErrors.increment()
            message = "\(script): out of memory while \(activity): the state reached its cap "
                + "(memory = \(configuration.memoryMiB) MiB); the state is closed"
        default:
            message = "\(script): error while \(activity): \(error.details)"
        }
        logger.error("\(message)")
        sink?.sendErrorLog(message)
    }
}

extension Optional where Wrapped == RequestBodyError {
    /// Whether the body went over `maxpost`.
    fileprivate var isTooLarge: Bool {
        if case .tooLarge = self { true } else { false }
    }
}
