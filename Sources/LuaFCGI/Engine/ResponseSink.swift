import NIOCore

/// The head of a response: status and header lines, in the order they go out.
///
/// `headers` holds `Content-Type`, the configured extra headers and the
/// script's own, never `Status` (that is `status`). `contentLength` is set for
/// buffered responses, whose whole body is known when the head goes out.
public struct ResponseHead: Sendable, Hashable {
    public var status: ResponseStatus
    public var headers: [HTTPHeaderLine]
    public var contentLength: Int?

    public init(status: ResponseStatus, headers: [HTTPHeaderLine], contentLength: Int? = nil) {
        self.status = status
        self.headers = headers
        self.contentLength = contentLength
    }
}

/// How a response ends, which FastCGI reports as END_REQUEST's appStatus (SPEC §5).
public enum ResponseEnd: Sendable, Hashable {
    /// The response the server meant to give (any status, 404 and 503 included): appStatus 0.
    case complete
    /// The handler failed or the response was cut off: appStatus 1.
    case failed

    public var appStatus: UInt32 { self == .complete ? 0 : 1 }
}

/// Where a request's response goes: the seam between the engine (worker
/// threads) and a front (FastCGI in the worker loop, HTTP on an event loop).
///
/// Called from the worker running the request. The FastCGI sink writes to the
/// socket right there, under the connection's write lock; the HTTP sink hops to
/// its event loop once per call. Either way a whole buffered response is one
/// write, and a streamed one waits (bounded) while the client reads slowly.
public protocol ResponseSink: Sendable {
    /// Sends, in this order, the head (at most once per response), body bytes, and the end.
    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?)
    /// Passes an error message to the web server's own log (FastCGI STDERR); fronts without one ignore it.
    func sendErrorLog(_ message: String)
    /// Called at the handler's output points and before its answer goes out. A front
    /// that does not hear from its client while a worker runs the handler looks now
    /// (at most every so often) and aborts the request if the client went away or
    /// asked to abort. Fronts whose event loop hears the client themselves do nothing.
    func checkClient()
}

extension ResponseSink {
    public func checkClient() {}
}
