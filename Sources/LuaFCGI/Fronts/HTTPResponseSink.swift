import NIOCore

/// The `ResponseSink` of a request that came through the HTTP front.
///
/// Called from a worker thread: each `send` is one hop to the connection's event
/// loop, where the front writes the parts and flushes once. The sequence number
/// ties the sink to its request, so a stray late call (after the response ended
/// or the connection closed) is dropped rather than mixed into the next response.
struct HTTPResponseSink: ResponseSink {
    let front: NIOLoopBound<HTTPFront>
    let sequence: UInt64

    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?) {
        let front = self.front
        let sequence = self.sequence
        front.eventLoop.execute {
            front.value.send(head: head, body: body, end: end, sequence: sequence)
        }
    }

    /// There is no web server log behind the built-in listener; the engine's own log has the message.
    func sendErrorLog(_ message: String) {}
}
