import NIOCore
import Synchronization

/// One request on its way from a front to a worker: what the engine needs to
/// run a script and answer (DESIGN: the one seam between sockets and Lua).
///
/// `isAborted` is the engine's only word from the client: it went away.
public final class Request: Sendable {
    /// The CGI parameters, which become the script's `env`.
    public let parameters: RequestParameters
    /// The request body, read as it arrives.
    public let body: any RequestBody
    /// Where the response goes.
    public let sink: any ResponseSink
    /// When the front had the request: a request that waited longer than `watchdog` for a worker gets 503.
    public let arrival: ContinuousClock.Instant
    private let abortedFlag = Atomic<Bool>(false)

    public init(parameters: RequestParameters, body: any RequestBody, sink: any ResponseSink) {
        self.parameters = parameters
        self.body = body
        self.sink = sink
        self.arrival = .now
    }

    /// A request whose whole body is already in.
    public convenience init(parameters: RequestParameters, body: ByteBuffer, sink: any ResponseSink) {
        self.init(parameters: parameters, body: CompleteRequestBody(body), sink: sink)
    }

    /// Whether the client went away (FCGI_ABORT_REQUEST or a closed connection).
    /// A running handler is stopped at its next output; its state is kept.
    public var isAborted: Bool { abortedFlag.load(ordering: .relaxed) }

    /// Marks the request aborted; called by the front that heard the client go away.
    public func abort() {
        abortedFlag.store(true, ordering: .relaxed)
    }
}
