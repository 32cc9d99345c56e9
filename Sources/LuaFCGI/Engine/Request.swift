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
    /// `sink` itself when an observer was given: the counters and the access log see the answer there.
    private let observed: ObservedResponseSink?

    /// - Parameter observer: counts the answer and logs it (the server's); the front's
    ///   `sink` is then wrapped so that every answer passes `ObservedResponseSink`.
    public init(parameters: RequestParameters, body: any RequestBody, sink: any ResponseSink, observer: ResponseObserver? = nil) {
        self.parameters = parameters
        self.body = body
        let arrival = ContinuousClock.now
        self.arrival = arrival
        if let observer {
            let observed = ObservedResponseSink(inner: sink, observer: observer, parameters: parameters, arrival: arrival)
            self.observed = observed
            self.sink = observed
        } else {
            self.observed = nil
            self.sink = sink
        }
    }

    /// A request whose whole body is already in.
    public convenience init(parameters: RequestParameters, body: ByteBuffer, sink: any ResponseSink, observer: ResponseObserver? = nil) {
        self.init(parameters: parameters, body: CompleteRequestBody(body), sink: sink, observer: observer)
    }

    /// The engine runs `script` for this request: the access log names it.
    func ranScript(_ script: String) {
        observed?.ranScript(script)
    }

    /// Whether the client went away (FCGI_ABORT_REQUEST or a closed connection).
    /// A running handler is stopped at its next output; its state is kept.
    public var isAborted: Bool { abortedFlag.load(ordering: .relaxed) }

    /// Marks the request aborted; called by the front that heard the client go away.
    public func abort() {
        abortedFlag.store(true, ordering: .relaxed)
    }
}
