import NIOConcurrencyHelpers
import NIOCore

/// The body of one FastCGI request as it arrives (SPEC §4.2 `con:read`): STDIN
/// records go in on whichever thread reads the connection, the handler takes
/// them out on its worker.
///
/// A handler that finds nothing buffered reads the connection itself: every
/// worker may be busy, so nobody else would. Meanwhile a thread that does read
/// it raises the stream's wake-up signal. The bytes held count towards the
/// connection's bound (`FastCGIConnection.bufferedBodyLimit`): the connection
/// stops reading while its requests hold that much unread.
final class FastCGIRequestStream: RequestBody, @unchecked Sendable {
    private enum Phase {
        case receiving
        /// The empty STDIN arrived: what is buffered is the rest.
        case ended
        /// Nothing more is read: over maxpost, or the client went away.
        case failed(RequestBodyError)
        /// The request was answered: the rest of the body is dropped as it comes.
        case closed
    }

    private let lock = NIOLock()
    /// Guarded by `lock`.
    private var chunks = CircularBuffer<ByteBuffer>()
    /// Bytes in `chunks`; guarded by `lock`.
    private var buffered = 0
    /// Every body byte that arrived; guarded by `lock`.
    private var received = 0
    /// Guarded by `lock`.
    private var phase = Phase.receiving
    /// The empty STDIN arrived (whatever became of the bytes); guarded by `lock`.
    private var stdinEnded = false
    /// Made when the handler first waits; guarded by `lock`.
    private var wake: WakeSignal?
    private let maxPost: Int
    private let timeout: Duration
    /// The connection the body comes from. A cycle while the request is active
    /// (the connection's table holds the stream); the table lets go when it ends.
    private let connection: FastCGIConnection
    /// When the running handler next looks at its connection (`checkClient`); its worker only.
    /// A short request never looks.
    var nextClientCheck = ContinuousClock.now + FastCGIConnection.clientCheckInterval

    init(connection: FastCGIConnection, maxPost: Int, timeout: Duration) {
        self.connection = connection
        self.maxPost = maxPost
        self.timeout = timeout
    }

    // MARK: The reading side (the connection's reader)

    /// Takes body bytes; returns the change of the bytes held, for the connection's
    /// count (negative when going over maxpost drops what was held).
    func append(_ bytes: ByteBuffer) -> Int {
        lock.withLock {
            guard case .receiving = phase else { return 0 }
            received += bytes.readableBytes
            guard received <= maxPost else { return fail(.tooLarge(limit: maxPost)) }
            chunks.append(bytes)
            buffered += bytes.readableBytes
            wake?.raise()
            return bytes.readableBytes
        }
    }

    /// The empty STDIN arrived.
    func finish() {
        lock.withLock {
            stdinEnded = true
            if case .receiving = phase { phase = .ended }
            wake?.raise()
        }
    }

    /// Whether the empty STDIN arrived.
    var hasEnded: Bool {
        lock.withLock { stdinEnded }
    }

    /// The client went away or aborted: the handler's next read says so. Returns the change of the bytes held.
    func clientLeft() -> Int {
        lock.withLock {
            switch phase {
            case .receiving, .ended, .closed: fail(.clientGone)
            case .failed: 0
            }
        }
    }

    /// The request was answered: unread bytes are dropped. Returns the change of the bytes held.
    func close() -> Int {
        lock.withLock {
            phase = .closed
            return dropBuffered()
        }
    }

    /// Under `lock`.
    private func fail(_ error: RequestBodyError) -> Int {
        phase = .failed(error)
        wake?.raise()
        return dropBuffered()
    }

    /// Under `lock`.
    private func dropBuffered() -> Int {
        let dropped = buffered
        chunks.removeAll()
        buffered = 0
        return -dropped
    }

    // MARK: The handler's side

    private enum Step {
        case bytes(ByteBuffer)
        case end
        case failure(RequestBodyError)
        case wait(WakeSignal)
    }

    /// Reads the rest of the body and drops it, until its end, the client leaving or the
    /// timeout: before a request's first output (`FastCGIConnection.respond`). A web server
    /// still sending the body reads no answer until the body was taken (nginx does not).
    func skipRest() {
        let deadline = ContinuousClock.now + timeout
        let (signal, dropped): (WakeSignal?, Int) = lock.withLock {
            guard !stdinEnded else { return (nil, 0) }
            if case .failed(.clientGone) = phase { return (nil, 0) }
            phase = .closed
            if wake == nil { wake = WakeSignal() }
            return (wake, dropBuffered())
        }
        if dropped != 0 { connection.bodyConsumed(-dropped) }
        guard let signal else { return }
        while ContinuousClock.now < deadline {
            let over: Bool = lock.withLock {
                if stdinEnded { return true }
                if case .failed(.clientGone) = phase { return true }
                return false
            }
            if over { return }
            if connection.readForWaitingHandler() { continue }
            connection.waitForInput(or: signal, until: deadline)
            signal.lower()
        }
    }

    func read(upTo maximum: Int) throws(RequestBodyError) -> ByteBuffer? {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch take(upTo: maximum) {
            case .bytes(let bytes):
                connection.bodyConsumed(bytes.readableBytes)
                return bytes
            case .end:
                return nil
            case .failure(let error):
                throw error
            case .wait(let wake):
                if connection.readForWaitingHandler() { continue }
                let now = ContinuousClock.now
                guard now < deadline else { throw .stalled(seconds: Int(timeout.components.seconds)) }
                connection.waitForInput(or: wake, until: deadline)
                wake.lower()
            }
        }
    }

    private func take(upTo maximum: Int) -> Step {
        lock.withLock {
            if var first = chunks.first {
                let count = min(maximum, first.readableBytes)
                let bytes = first.readSlice(length: count)!
                if first.readableBytes == 0 {
                    chunks.removeFirst()
                } else {
                    chunks[chunks.startIndex] = first
                }
                buffered -= count
                return .bytes(bytes)
            }
            switch phase {
            case .ended, .closed:
                return .end
            case .failed(let error):
                return .failure(error)
            case .receiving:
                if wake == nil { wake = WakeSignal() }
                return .wait(wake!)
            }
        }
    }
}
