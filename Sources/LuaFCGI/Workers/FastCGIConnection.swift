import CLinux
import FastCGI
import Glibc
import Logging
import NIOCore

/// One FastCGI connection, served by whichever worker its socket wakes
/// (docs/ARCHITECTURE.md, "Workers do their own FastCGI I/O").
///
/// The worker reads what is there, decodes records, runs each request it
/// completes right away on its own thread, writes the answer with one `send`,
/// and re-arms the socket (or closes it: no FCGI_KEEP_CONN, the peer left, or
/// the server is stopping). The socket is one-shot in the epoll, so only one
/// worker at a time touches a connection: its state needs no lock, and the
/// hand-over from one worker to the next goes through the kernel.
///
/// Requests multiplexed on one connection run one after another on the worker
/// that read them. While one runs, nobody waits on its socket; instead the
/// running worker itself looks at it at the handler's output points, at most
/// every `clientCheckInterval` and only once the handler has run that long: an
/// ABORT or a closed connection then stops the handler at that output (SPEC §5).
/// A short request never pays for the look.
final class FastCGIConnection: PollSource, @unchecked Sendable {
    /// What every connection needs from the server.
    struct Settings: Sendable {
        var configuration: Configuration
        var logger: Logger
        var protocolConfiguration: FastCGIServerConfiguration
        /// Runs a request on the calling worker.
        var run: @Sendable (Request) -> Void
    }

    /// How long one write may wait for the web server to read (flow control).
    static let writeTimeoutMilliseconds: Int32 = 60_000
    /// Bytes asked of each `read`: a whole hello-sized request and then some.
    private static let readChunk = 16_384
    /// How often a running handler's connection is looked at for an ABORT or a close.
    static let clientCheckInterval = Duration.milliseconds(50)

    private let descriptor: Int32
    private let settings: Settings
    private var input = ByteBufferAllocator().buffer(capacity: readChunk)
    private var output = ByteBufferAllocator().buffer(capacity: 1024)
    private var protocolState: FastCGIConnectionStateMachine
    private var assembler: FastCGIRequestAssembler
    /// Complete requests not yet run, in arrival order.
    private var runnable = CircularBuffer<IdentifiedRequest>()
    /// The request a worker is running now.
    private var running: IdentifiedRequest?

    /// A request with its FastCGI request id, so an ABORT can find it.
    private struct IdentifiedRequest {
        let id: UInt16
        let request: Request
    }
    /// When the connection is next looked at while a handler runs.
    private var nextClientCheck = ContinuousClock.now
    /// The peer left, the protocol broke, a write failed, or END_REQUEST said close.
    private var finished = false
    private var registration: PollRegistration?

    init(descriptor: Int32, settings: Settings) {
        self.descriptor = descriptor
        self.settings = settings
        self.protocolState = FastCGIConnectionStateMachine(configuration: settings.protocolConfiguration)
        self.assembler = FastCGIRequestAssembler(maxPost: settings.configuration.maxPost)
    }

    func ready(on dispatcher: Dispatcher) {
        serve(on: dispatcher)
    }

    /// Reads, runs what is complete, then waits for more or closes.
    func serve(on dispatcher: Dispatcher) {
        readAvailable()
        while !finished, let next = runnable.popFirst() {
            running = next
            nextClientCheck = .now + Self.clientCheckInterval
            settings.run(next.request)
            running = nil
        }
        if finished || dispatcher.isStopping {
            close(on: dispatcher)
        } else if let registration {
            if !dispatcher.rearm(registration) { close(on: dispatcher) }
        } else if let registered = dispatcher.register(self, descriptor: descriptor) {
            registration = registered
        } else {
            close(on: dispatcher)
        }
    }

    func shutDown() {
        Glibc.close(descriptor)
    }

    private func close(on dispatcher: Dispatcher) {
        if let registration { dispatcher.unregister(registration) }
        registration = nil
        abandonRequests()
        Glibc.close(descriptor)
    }

    /// The connection is over: every request the engine has seen is aborted.
    private func abandonRequests() {
        if case .forwardAll(let parts) = protocolState.channelInactive() {
            parts.forEach(receive)
        }
    }

    /// Reads what the client sent while a handler runs (see the type's comment): an
    /// ABORT for the running request, or the connection closing, aborts it. Other
    /// requests read meanwhile wait their turn.
    func checkClient() {
        let now = ContinuousClock.now
        guard running != nil, !finished, now >= nextClientCheck else { return }
        nextClientCheck = now + Self.clientCheckInterval
        readAvailable()
    }

    // MARK: Reading

    /// Reads until the socket has nothing more for now. A read that fills less
    /// than it asked for is taken as the end of what is there: if more comes, the
    /// re-armed socket reports it at once.
    private func readAvailable() {
        while !finished {
            var count = 0
            input.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readChunk) { space in
                count = Glibc.read(descriptor, space.baseAddress, space.count)
                return max(count, 0)
            }
            if count > 0 {
                decodeRecords()
                if count < Self.readChunk { return }
            } else if count == 0 {
                peerLeft()
            } else if errno == EINTR {
                continue
            } else {
                if errno != EAGAIN && errno != EWOULDBLOCK { peerLeft() }
                return
            }
        }
    }

    private func decodeRecords() {
        do {
            while !finished, let record = try input.readFastCGIRecord() {
                apply(protocolState.receivedRecord(record))
            }
        } catch {
            apply(protocolState.receivedProtocolError(error))
        }
        if input.readerIndex > Self.readChunk || input.readableBytes == 0 { input.discardReadBytes() }
    }

    /// The peer closed (or reset) the connection: what it sent is void.
    private func peerLeft() {
        finished = true
        abandonRequests()
        running?.request.abort()
    }

    private func apply(_ action: FastCGIConnectionStateMachine.Action) {
        switch action {
        case .doNothing:
            break
        case .forward(let part):
            receive(part)
        case .forwardAll(let parts):
            parts.forEach(receive)
        case .send(let records, let thenClose):
            write(records, thenClose: thenClose)
        case .sendAndForward(let records, let part, let thenClose):
            write(records, thenClose: thenClose)
            receive(part)
        case .close(let error):
            settings.logger.warning("FastCGI connection closed: \(error)")
            finished = true
        }
    }

    private func receive(_ part: FastCGIRequestPart) {
        if case .abort(let requestID) = part {
            for waiting in runnable where waiting.id == requestID {
                waiting.request.abort()
            }
            if let running, running.id == requestID {
                running.request.abort()
            }
        }
        switch assembler.receive(part) {
        case .complete(let requestID, let parameters, let body):
            runnable.append(
                IdentifiedRequest(id: requestID, request: Request(parameters: parameters, body: body, sink: sink(for: requestID))))
        case .tooLarge(let requestID, let parameters):
            settings.logger.info("413: request body over maxpost = \(settings.configuration.maxPost) bytes")
            ErrorPage.send(
                .payloadTooLarge, path: parameters["SCRIPT_NAME"], configuration: settings.configuration,
                sink: sink(for: requestID))
        case nil:
            break
        }
    }

    private func sink(for requestID: UInt16) -> FastCGIConnectionSink {
        FastCGIConnectionSink(connection: self, requestID: requestID)
    }

    // MARK: Writing (from the worker running the request)

    /// STDOUT for `content` (if any) and, with `end`, the empty STDOUT and END_REQUEST — one write.
    func respond(requestID: UInt16, content: ByteBuffer?, end: ResponseEnd?) {
        var records: [FastCGIRecord] = []
        var thenClose = false
        if let content, case .write(let stdout, _) = protocolState.applicationWrote(.stdout(requestID: requestID, content)) {
            records = stdout
        }
        if let end, case .write(let closing, let close) = protocolState.applicationWrote(
            .end(requestID: requestID, appStatus: end.appStatus))
        {
            records.append(contentsOf: closing)
            thenClose = close
        }
        write(records, thenClose: thenClose)
    }

    /// An error message for the web server's log.
    func respondError(requestID: UInt16, message: ByteBuffer) {
        if case .write(let records, let thenClose) = protocolState.applicationWrote(.stderr(requestID: requestID, message)) {
            write(records, thenClose: thenClose)
        }
    }

    private func write(_ records: [FastCGIRecord], thenClose: Bool) {
        guard !records.isEmpty else { return }
        output.clear()
        for record in records { output.writeFastCGIRecord(record) }
        if !sendAll() {
            finished = true
            running?.request.abort()
        }
        if thenClose { finished = true }
    }

    /// Sends `output` whole, waiting up to the write timeout whenever the socket is full.
    private func sendAll() -> Bool {
        guard !finished else { return false }
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
                guard poll(&waiting, 1, Self.writeTimeoutMilliseconds) == 1 else {
                    settings.logger.warning("FastCGI connection closed: the web server read nothing for \(Self.writeTimeoutMilliseconds / 1000) s")
                    return false
                }
            } else {
                return false
            }
        }
        return true
    }
}
