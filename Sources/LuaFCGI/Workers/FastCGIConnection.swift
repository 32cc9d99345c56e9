import CLinux
import FastCGI
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One FastCGI connection in the worker loop (docs/ARCHITECTURE.md, "The worker loop").
///
/// **Reading.** One thread at a time reads it: the worker that took its epoll
/// event, the overflow reader, or a handler waiting for its body. It reads
/// what is there, decodes records into the state machine — whose table, one
/// entry per request with its `ActiveRequest` attached, is the one place that
/// says what request N is doing — and re-arms the socket, so a request
/// multiplexed behind a running one, or an ABORT, is read by the next free
/// thread. The requests it completes (params in; the body streams) go to
/// `WorkerLoop.dispatch`, and the reading worker runs the first one itself.
///
/// **Writing.** Each running request writes from its own worker; a write lock
/// keeps each write's records together, so records never interleave. A full
/// socket is waited for, up to `Configuration.writeTimeout`, which bounds what a
/// streaming script can pile up; past it the connection is over.
///
/// **Bounds.** The requests of one connection hold at most `bufferedBodyLimit`
/// bytes of body unread; past it the connection is not read until a handler
/// consumes some or its request ends.
///
/// **Closing.** When the connection is over (no FCGI_KEEP_CONN, the peer left, a
/// protocol error, a failed write, the server stopping) its requests are aborted
/// and the descriptor is closed once no thread uses it. A close for any reason
/// but the protocol's or the peer's is logged.
final class FastCGIConnection: PollSource, @unchecked Sendable {
    /// What every connection needs from the server.
    struct Settings: Sendable {
        var configuration: Configuration
        var logger: Logger
        var protocolConfiguration: FastCGIServerConfiguration
        /// Sees every answer (the counters, the access log): the server's, shared across reloads.
        var observer: ResponseObserver?
    }

    /// A request the state machine's table holds for the engine.
    final class ActiveRequest: Sendable {
        let request: Request
        let stream: FastCGIRequestStream
        /// Its CONTENT_LENGTH is over maxpost: it is answered 413 at the end of its body, never run.
        let refused: Bool

        init(request: Request, stream: FastCGIRequestStream, refused: Bool) {
            self.request = request
            self.stream = stream
            self.refused = refused
        }

        /// The handle the table gives back: only ever an `ActiveRequest` (`begin` attaches them).
        static func from(_ handle: FastCGIConnectionStateMachine.Handle?) -> ActiveRequest? {
            handle.map { unsafeDowncast($0, to: ActiveRequest.self) }
        }
    }

    /// Unread body bytes the requests of one connection may hold before it stops being read.
    static let bufferedBodyLimit = 1 << 20
    /// Bytes asked of each `read`: a whole hello-sized request and then some.
    private static let readChunk = 16_384
    /// poll(2)'s POLLRDHUP (the peer closed its side), which Glibc's module leaves out (it needs _GNU_SOURCE).
    private static let peerClosed: Int16 = 0x2000
    /// How often a running handler's connection is looked at for an ABORT or a close.
    static let clientCheckInterval = Duration.milliseconds(50)

    private let descriptor: Int32
    /// The listener's, read at each request: a reload reaches kept-alive connections too.
    private let liveSettings: Reloadable<Settings>
    /// The settings of the request read last; the reader's only.
    private var settings: Settings
    /// For any thread: the logger no reload changes.
    private let logger: Logger
    /// How long a write waits for a full socket: the settings' at the last request begun.
    private let writeTimeout: Mutex<Duration>
    private let loop: WorkerLoop
    private let token: Epoll.Token

    private let lock = NIOLock()
    /// Guarded by `lock`.
    private var protocolState: FastCGIConnectionStateMachine
    /// A thread is reading; guarded by `lock`.
    private var reading = false
    /// An event came while another thread was reading: that one reads once more. Guarded by `lock`.
    private var readAgain = false
    /// The one-shot registration is live; guarded by `lock`.
    private var armed = false
    /// The descriptor was added to the epoll; guarded by `lock`.
    private var inEpoll = false
    /// Unread body bytes its requests hold; guarded by `lock`.
    private var buffered = 0
    /// Not read while `buffered` is over the limit; guarded by `lock`.
    private var paused = false
    /// Nothing more is read or written; guarded by `lock`.
    private var over = false
    /// Threads using the descriptor now: it is closed once over and unused. Guarded by `lock`.
    private var users = 0
    /// Guarded by `lock`.
    private var descriptorClosed = false

    /// The reader's only.
    private var input = ByteBufferAllocator().buffer(capacity: readChunk)
    /// Guarded by `writeLock`, which also keeps one write's records together.
    private var output = ByteBufferAllocator().buffer(capacity: 1024)
    private let writeLock = NIOLock()

    private init(descriptor: Int32, token: Epoll.Token, settings: Reloadable<Settings>, loop: WorkerLoop) {
        self.descriptor = descriptor
        self.token = token
        self.liveSettings = settings
        let current = settings.current
        self.settings = current
        self.logger = current.logger
        self.writeTimeout = Mutex(current.configuration.writeTimeout)
        self.loop = loop
        self.protocolState = FastCGIConnectionStateMachine(configuration: current.protocolConfiguration)
    }

    /// Enters an accepted connection in `loop` and serves what it sent; closes it when the loop is stopping.
    static func serve(accepted descriptor: Int32, settings: Reloadable<Settings>, loop: WorkerLoop, mayRun: Bool) {
        guard let connection = loop.register({ FastCGIConnection(descriptor: descriptor, token: $0, settings: settings, loop: loop) }) else {
            Glibc.close(descriptor)
            return
        }
        connection.serve(mayRun: mayRun)
    }

    func ready(in loop: WorkerLoop, mayRun: Bool) {
        lock.withLock { armed = false }
        serve(mayRun: mayRun)
    }

    /// Reads, watches again, runs what was completed. A request that will close the
    /// connection gets the socket watched only after it ran: nothing but its own ABORT
    /// can follow it, which the handler's client checks read, and the close costs no re-arm.
    private func serve(mayRun: Bool) {
        let started = read()
        let closesAfter = started.count == 1 && !started[0].keepsConnection
        if !closesAfter { watchAgain() }
        loop.dispatch(started.map(\.request), mayRun: mayRun)
        if closesAfter { watchAgain() }
    }

    func shutDown() {
        finish(because: nil)
    }

    // MARK: Reading

    /// A request whose params are in, and whether its connection stays open after it.
    private struct Started {
        let request: Request
        let keepsConnection: Bool
    }

    /// Reads what is there, unless another thread is reading (which then reads once more)
    /// or the connection is paused or over; returns the requests completed.
    private func read() -> [Started] {
        let mayRead: Bool = lock.withLock {
            if reading { readAgain = true }
            guard !reading, !paused, !over else { return false }
            reading = true
            users += 1
            return true
        }
        guard mayRead else { return [] }
        var started: [Started] = []
        repeat {
            readAvailable(into: &started)
        } while lock.withLock({
            defer { readAgain = false }
            if readAgain && !paused && !over { return true }
            reading = false
            return false
        })
        releaseDescriptor()
        return started
    }

    /// Watches the socket again after its event, unless it is watched, read, paused or over.
    /// While the server stops it is not watched: an idle connection closes, one with
    /// requests still active is closed by the stop once they are done.
    func watchAgain() {
        enum Outcome { case watched, closeIdle, failed }
        let outcome: Outcome = lock.withLock {
            guard !armed, !reading, !paused, !over else { return .watched }
            if loop.isStopping { return protocolState.handles.isEmpty ? .closeIdle : .watched }
            guard loop.watch(descriptor, token: token, first: !inEpoll) else { return .failed }
            inEpoll = true
            armed = true
            return .watched
        }
        switch outcome {
        case .watched: break
        case .closeIdle: finish(because: nil)
        case .failed: finish(because: "the epoll refused it (\(String(cString: strerror(errno))))")
        }
    }

    /// For a handler waiting for its body: reads the connection if nobody else does.
    /// True when it read something (the body may have grown).
    func readForWaitingHandler() -> Bool {
        let before = lock.withLock { buffered }
        let started = readAside()
        return started > 0 || lock.withLock { buffered } != before
    }

    /// Waits until the socket is readable or `wake` is raised, or `deadline` passes.
    /// While the connection is paused the socket holds other requests' bodies: then only
    /// its close counts (the peer left: the connection is over).
    func waitForInput(or wake: WakeSignal, until deadline: ContinuousClock.Instant) {
        let watchSocket: Bool? = lock.withLock {
            guard !over else { return nil }
            users += 1
            return !paused
        }
        guard let watchSocket else { return }
        defer { releaseDescriptor() }
        let left = deadline - ContinuousClock.now
        let milliseconds = Int32(clamping: max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
        var descriptors = [
            pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: descriptor, events: watchSocket ? Int16(POLLIN) | Self.peerClosed : Self.peerClosed, revents: 0),
        ]
        _ = poll(&descriptors, 2, min(milliseconds, 1000))
        if !watchSocket, descriptors[1].revents & (Self.peerClosed | Int16(POLLHUP | POLLERR)) != 0 { finish(because: nil) }
    }

    /// A handler took `count` body bytes (or its request ended with them unread):
    /// below half the limit a paused connection is read again.
    func bodyConsumed(_ count: Int) {
        let resume: Bool = lock.withLock {
            buffered -= count
            guard paused, buffered <= Self.bufferedBodyLimit / 2 else { return false }
            paused = false
            return true
        }
        guard resume else { return }
        readAside()
    }

    /// Decodes what is left from before, then reads until the socket has nothing more
    /// for now. A read that fills less than it asked for is taken as the end of what is
    /// there: if more comes, the re-armed socket reports it at once.
    private func readAvailable(into started: inout [Started]) {
        // Records read before a pause are decoded first: no new byte may come to wake them.
        if input.readableBytes > 0 {
            decodeRecords(into: &started)
            if lock.withLock({ paused || over }) { return }
        }
        while true {
            var count = 0
            input.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readChunk) { space in
                count = Glibc.read(descriptor, space.baseAddress, space.count)
                return max(count, 0)
            }
            if count > 0 {
                decodeRecords(into: &started)
                if count < Self.readChunk || lock.withLock({ paused || over }) { return }
            } else if count == 0 {
                finish(because: nil)
                return
            } else if errno == EINTR {
                continue
            } else {
                if errno != EAGAIN && errno != EWOULDBLOCK { finish(because: nil) }
                return
            }
        }
    }

    private func decodeRecords(into started: inout [Started]) {
        do {
            while let record = try input.readFastCGIRecord() {
                let (action, active): (FastCGIConnectionStateMachine.Action, ActiveRequest?) = lock.withLock {
                    let active = record.isManagement ? nil : ActiveRequest.from(protocolState.handle(of: record.requestID))
                    return (protocolState.receivedRecord(record), active)
                }
                apply(action, active: active, started: &started)
                if lock.withLock({ paused || over }) { break }
            }
        } catch {
            apply(lock.withLock { protocolState.receivedProtocolError(error) }, active: nil, started: &started)
        }
        if input.readerIndex > Self.readChunk || input.readableBytes == 0 { input.discardReadBytes() }
    }

    private func apply(
        _ action: FastCGIConnectionStateMachine.Action, active: ActiveRequest?, started: inout [Started]
    ) {
        switch action {
        case .doNothing:
            break
        case .forward(let part):
            receive(part, active: active, started: &started)
        case .forwardAll(let parts):
            parts.forEach { receive($0, active: nil, started: &started) }
        case .send(let records, let thenClose):
            send(records, thenClose: thenClose)
        case .sendAndForward(let records, let part, let thenClose):
            send(records, thenClose: thenClose)
            receive(part, active: active, started: &started)
        case .close(let error):
            finish(because: "\(error)")
        }
    }

    private func receive(_ part: FastCGIRequestPart, active: ActiveRequest?, started: inout [Started]) {
        switch part {
        case .head(let head):
            begin(head, started: &started)
        case .body(_, let bytes):
            guard let active, !active.refused else { return }
            let change = active.stream.append(bytes)
            lock.withLock {
                buffered += change
                if buffered > Self.bufferedBodyLimit { paused = true }
            }
        case .end:
            guard let active else { return }
            active.stream.finish()
            if active.refused { refuse(active.request) }
        case .abort:
            guard let active else { return }
            active.request.abort()
            let change = active.stream.clientLeft()
            if change != 0 { lock.withLock { buffered += change } }
        }
    }

    /// Params are in: a request with a stream for its body. One whose CONTENT_LENGTH is over
    /// maxpost never runs: its body is dropped as it comes and it is answered 413 at the end
    /// of it, since a web server still sending a body reads no answer (nginx does not).
    private func begin(_ head: FastCGIRequestHead, started: inout [Started]) {
        let parameters = RequestParameters(head.parameters)
        settings = liveSettings.current
        let configuration = settings.configuration
        writeTimeout.withLock { $0 = configuration.writeTimeout }
        let declared = parameters["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0
        let stream = FastCGIRequestStream(connection: self, maxPost: configuration.maxPost, timeout: configuration.writeTimeout)
        let request = Request(
            parameters: parameters, body: stream,
            sink: FastCGIConnectionSink(connection: self, requestID: head.requestID, stream: stream),
            observer: settings.observer)
        let refused = declared > configuration.maxPost
        lock.withLock { protocolState.attach(ActiveRequest(request: request, stream: stream, refused: refused), to: head.requestID) }
        if !refused { started.append(Started(request: request, keepsConnection: head.keepConnection)) }
    }

    private func refuse(_ request: Request) {
        logger.info(
            "413: CONTENT_LENGTH \(request.parameters["CONTENT_LENGTH"] ?? "") over maxpost = \(settings.configuration.maxPost) bytes")
        ErrorPage.send(.payloadTooLarge, path: request.parameters["SCRIPT_NAME"], configuration: settings.configuration, sink: request.sink)
    }

    /// Reads what the client sent while a handler runs (see the type's comment): an
    /// ABORT for the running request, or the connection closing, aborts it; other
    /// requests read meanwhile go to the queue.
    func checkClient(for stream: FastCGIRequestStream) {
        let now = ContinuousClock.now
        guard now >= stream.nextClientCheck else { return }
        stream.nextClientCheck = now + Self.clientCheckInterval
        readAside()
    }

    /// Reads on a thread busy with a request of its own (a handler waiting for its body or
    /// looking at its client, or one that consumed body bytes): what it completes goes to
    /// the queue, then the socket is watched again. Returns how many requests it completed.
    @discardableResult
    private func readAside() -> Int {
        let started = read()
        loop.dispatch(started.map(\.request), mayRun: false)
        watchAgain()
        return started.count
    }

    // MARK: Writing (from the worker running the request)

    /// STDOUT for `content` (if any) and, with `end`, the empty STDOUT and END_REQUEST: one write.
    func respond(requestID: UInt16, stream: FastCGIRequestStream?, content: ByteBuffer?, end: ResponseEnd?) {
        stream?.skipRest()
        var records: [FastCGIRecord] = []
        var thenClose = false
        lock.withLock {
            if let content, case .write(let stdout, _) = protocolState.applicationWrote(.stdout(requestID: requestID, content)) {
                records = stdout
            }
            if let end, case .write(let closing, let close) = protocolState.applicationWrote(
                .end(requestID: requestID, appStatus: end.appStatus))
            {
                records.append(contentsOf: closing)
                thenClose = close
            }
        }
        if end != nil, let stream {
            // The rest of the body is not wanted: it no longer counts against the connection.
            let change = stream.close()
            if change != 0 { bodyConsumed(-change) }
        }
        send(records, thenClose: thenClose)
    }

    /// An error message for the web server's log.
    func respondError(requestID: UInt16, message: ByteBuffer) {
        let action = lock.withLock { protocolState.applicationWrote(.stderr(requestID: requestID, message)) }
        if case .write(let records, let thenClose) = action { send(records, thenClose: thenClose) }
    }

    private func send(_ records: [FastCGIRecord], thenClose: Bool) {
        if !records.isEmpty {
            let usable: Bool = lock.withLock {
                guard !over else { return false }
                users += 1
                return true
            }
            guard usable else { return }
            let failure: String? = writeLock.withLock {
                output.clear()
                for record in records { output.writeFastCGIRecord(record) }
                return sendAll()
            }
            releaseDescriptor()
            if let failure {
                finish(because: failure)
                return
            }
        }
        if thenClose { finish(because: nil) }
    }

    /// Sends `output` whole, waiting up to the write timeout whenever the socket is full;
    /// why it failed, or nil. A peer that closed is no failure worth a warning ("").
    private func sendAll() -> String? {
        let timeout = writeTimeout.withLock { $0 }
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        while output.readableBytes > 0 {
            let sent = output.withUnsafeReadableBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                output.moveReaderIndex(forwardBy: sent)
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                guard poll(&waiting, 1, milliseconds) == 1 else {
                    return "the web server read nothing for \(timeout.components.seconds) s; response cut off"
                }
            } else {
                return ""
            }
        }
        return nil
    }

    // MARK: Closing

    /// The connection is over: every request still active is aborted, and the descriptor
    /// closes once no thread uses it. `reason` is logged (an empty one is not).
    private func finish(because reason: String?) {
        let aborted: [ActiveRequest]? = lock.withLock {
            guard !over else { return nil }
            over = true
            defer { _ = protocolState.channelInactive() }
            return protocolState.handles.compactMap(ActiveRequest.from)
        }
        guard let aborted else { return }
        if let reason, !reason.isEmpty { logger.warning("FastCGI connection closed: \(reason)") }
        for active in aborted {
            active.request.abort()
            _ = active.stream.clientLeft()
        }
        closeIfUnused()
    }

    private func releaseDescriptor() {
        lock.withLock { users -= 1 }
        closeIfUnused()
    }

    private func closeIfUnused() {
        let (close, watched): (Bool, Bool) = lock.withLock {
            guard over, users == 0, !descriptorClosed else { return (false, false) }
            descriptorClosed = true
            return (true, inEpoll)
        }
        guard close else { return }
        loop.unregister(token: token, descriptor: watched ? descriptor : nil)
        Glibc.close(descriptor)
    }
}
