import NIOConcurrencyHelpers
import NIOCore

/// The `ResponseSink` of a request that came through the HTTP front.
///
/// Called from a worker thread: each `send` is one hop to the connection's event
/// loop, where the front writes the parts and flushes once. The sequence number
/// ties the sink to its request, so a stray late call (after the response ended
/// or the connection closed) is dropped rather than mixed into the next response.
///
/// Backpressure: before the hop, the body's bytes pass the connection's
/// `HTTPWriteWindow`, and leave it when the loop's write of them completes. A
/// worker that finds more than the window outstanding waits for the client to
/// read, at most `writeTimeout`; then the response is cut off: the worker aborts
/// the request itself, right there, so the handler stops at its very next output
/// (its state kept) rather than run on until the event loop hears of it, and the
/// front logs it and closes the connection. Sends to a connection that is gone
/// or cut off are dropped at once.
struct HTTPResponseSink: ResponseSink {
    let front: NIOLoopBound<HTTPFront>
    let sequence: UInt64
    /// The request this sink answers, for the worker to abort on a cut-off.
    let cutOffTarget: CutOffTarget
    let window: HTTPWriteWindow
    /// `Configuration.writeTimeout`: how long a send waits for a client that reads nothing.
    let writeTimeout: Duration

    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?) {
        let front = self.front
        let sequence = self.sequence
        let window = self.window
        let bytes = body?.readableBytes ?? 0
        // On the event loop itself (the front's own 503, the ping and status pages answered where
        // the request was submitted) nothing may wait: the loop is what drains the window.
        let admission = front.eventLoop.inEventLoop
            ? window.admitAtOnce(bytes) : window.admit(bytes, waitingAtMost: writeTimeout)
        switch admission {
        case .admitted:
            front.eventLoop.execute {
                let written = front.value.send(head: head, body: body, end: end, sequence: sequence)
                guard bytes > 0 else { return }
                if let written {
                    written.whenComplete { _ in window.written(bytes) }
                } else {
                    window.written(bytes)
                }
            }
        case .timedOut:
            cutOffTarget.abort()
            let timeout = writeTimeout
            front.eventLoop.execute {
                front.value.cutOff(sequence: sequence, readNothingFor: timeout)
            }
        case .closed:
            break
        }
    }

    /// There is no web server log behind the built-in listener; the engine's own log has the message.
    func sendErrorLog(_ message: String) {}
}

extension HTTPResponseSink {
    /// The request a sink answers, known only once the request is made around the sink.
    /// Held weakly: the request holds its sink, which must not keep it alive in turn.
    final class CutOffTarget: @unchecked Sendable {
        private let lock = NIOLock()
        /// Guarded by `lock`.
        private weak var request: Request?

        func attach(_ request: Request) {
            lock.withLock { self.request = request }
        }

        func abort() {
            lock.withLock { request }?.abort()
        }
    }
}
