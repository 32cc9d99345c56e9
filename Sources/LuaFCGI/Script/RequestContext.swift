import Logging
import NIOCore

/// Everything a running handler's `con` methods reach: the request, the
/// response being built, the configuration and the log.
///
/// Set as the Lua state's `context` while the handler runs; one worker thread only.
final class RequestContext {
    let request: Request
    let response: ResponseBuilder
    let configuration: Configuration
    let logger: Logger
    let script: String
    /// Tells this request's `con` apart from one a script kept from an earlier request.
    let generation: UInt64
    /// Why the body could not be read, if `con:read`/`con:gets` failed: over maxpost means 413.
    var bodyFailure: RequestBodyError?
    /// Output after `con:finish()` was logged once (at debug): later output is dropped quietly.
    var loggedDroppedOutput = false

    init(request: Request, configuration: Configuration, logger: Logger, script: String, generation: UInt64) {
        self.request = request
        self.response = ResponseBuilder(configuration: configuration, sink: request.sink)
        self.configuration = configuration
        self.logger = logger
        self.script = script
        self.generation = generation
    }
}
