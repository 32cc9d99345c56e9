import NIOCore
import Synchronization

/// One request on its way from a front to a worker: what the engine needs to
/// run a script and answer (DESIGN: the one seam between sockets and Lua).
public final class Request: Sendable {
    /// The CGI parameters, which become the script's `env`.
    public let parameters: RequestParameters
    /// The whole request body (at most `maxpost` bytes).
    public let body: ByteBuffer
    /// Where the response goes.
    public let sink: any ResponseSink
    private let abortedFlag = Atomic<Bool>(false)

    public init(parameters: RequestParameters, body: ByteBuffer, sink: any ResponseSink) {
        self.parameters = parameters
        self.body = body
        self.sink = sink
    }

    /// Whether the client went away (FCGI_ABORT_REQUEST or a closed connection).
    /// A running handler is stopped at its next output; its state is kept.
    public var isAborted: Bool { abortedFlag.load(ordering: .relaxed) }

    /// Marks the request aborted; called by the front that heard the client go away.
    public func abort() {
        abortedFlag.store(true, ordering: .relaxed)
    }
}
