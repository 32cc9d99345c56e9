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
/// read, at most `writeTimeout`; then the front cuts the response off (aborts the
/// request, which stops the handler at its next output and frees the worker with
/// its state kept, logs it and closes the connection). Sends to a connection that
/// is gone or cut off are dropped at once.
struct HTTPResponseSink: ResponseSink {
    let front: NIOLoopBound<HTTPFront>
    let sequence: UInt64
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
