import NIOCore
import NIOHTTP1

extension ChannelPipeline.SynchronousOperations {
    /// Adds the built-in HTTP/1.1 listener's handlers (SPEC §7) to a freshly accepted channel:
    /// an idle timer, NIO's HTTP server pipeline (codec, pipelining assistance, 400 on
    /// malformed requests) and the `HTTPFront`.
    ///
    /// - Parameter submit: hands a request to the engine's queue; false when the queue is
    ///   full, and the front answers 503 itself.
    public func addHTTPFront(_ settings: HTTPFront.Settings, submit: @escaping @Sendable (Request) -> Bool) throws {
        try addHandler(IdleStateHandler(readTimeout: settings.idleTimeout))
        try configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
        try addHandler(HTTPFront(settings: settings, submit: submit))
    }
}
