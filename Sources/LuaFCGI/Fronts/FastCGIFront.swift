import FastCGI
import Logging
import NIOCore

/// Turns the FastCGI requests of one connection into engine `Request`s.
///
/// Params and body are collected until the empty STDIN record; then the request
/// goes to the queue. A body over `maxpost` (by CONTENT_LENGTH, or by the bytes
/// received) is answered 413 without running anything; the answer waits for the
/// end of the body, which is read and dropped, because a web server still
/// sending it would take an early close as a broken upstream (502).
/// Aborts reach a queued or running request as `Request.abort()`.
final class FastCGIFront: ChannelInboundHandler {
    typealias InboundIn = FastCGIRequestPart

    /// Everything the front needs from the server.
    struct Settings: Sendable {
        var configuration: Configuration
        var logger: Logger
        /// Hands a request to the workers; false when the queue is full.
        var submit: @Sendable (Request) -> Bool
    }

    /// A request of this connection, from its params to its dispatch.
    private enum Pending {
        case collecting(RequestParameters, body: ByteBuffer)
        /// Over `maxpost`: the body is dropped and the end answered with 413.
        case rejected(RequestParameters)
        /// In the engine. Held weakly: once the engine is done with it, nothing here keeps its body alive.
        case dispatched(WeakRequest)
    }

    private struct WeakRequest {
        weak var request: Request?
    }

    private let settings: Settings
    private var pending: [UInt16: Pending] = [:]

    init(settings: Settings) {
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let parameters = RequestParameters(head.parameters)
            let declared = parameters["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0
            if declared > settings.configuration.maxPost {
                pending[head.requestID] = .rejected(parameters)
            } else {
                pending[head.requestID] = .collecting(
                    parameters, body: context.channel.allocator.buffer(capacity: min(declared, settings.configuration.maxPost)))
            }
        case .body(let requestID, var bytes):
            guard case .collecting(let parameters, var body) = pending[requestID] else { return }
            if body.readableBytes + bytes.readableBytes > settings.configuration.maxPost {
                pending[requestID] = .rejected(parameters)
                return
            }
            pending[requestID] = nil  // drop the stored copy so `body` is uniquely held while it grows
            body.writeBuffer(&bytes)
            pending[requestID] = .collecting(parameters, body: body)
        case .end(let requestID):
            switch pending.removeValue(forKey: requestID) {
            case .collecting(let parameters, let body):
                dispatch(requestID: requestID, parameters: parameters, body: body, context: context)
            case .rejected(let parameters):
                reject(requestID: requestID, parameters: parameters, context: context)
            case .dispatched, nil:
                break
            }
        case .abort(let requestID):
            if case .dispatched(let reference) = pending[requestID] { reference.request?.abort() }
            pending[requestID] = nil
        }
    }

    private func dispatch(requestID: UInt16, parameters: RequestParameters, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = Request(
            parameters: parameters, body: body, sink: FastCGIResponseSink(channel: context.channel, requestID: requestID))
        guard settings.submit(request) else {
            settings.logger.warning("503: the request queue is full (queue = \(settings.configuration.queue))")
            ErrorPage.send(
                .serviceUnavailable, path: parameters["SCRIPT_NAME"], configuration: settings.configuration,
                sink: request.sink)
            return
        }
        pending[requestID] = .dispatched(WeakRequest(request: request))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settings.logger.warning("FastCGI connection closed: \(error)")
        context.close(promise: nil)
    }

    private func reject(requestID: UInt16, parameters: RequestParameters, context: ChannelHandlerContext) {
        settings.logger.info("413: request body over maxpost = \(settings.configuration.maxPost) bytes")
        ErrorPage.send(
            .payloadTooLarge, path: parameters["SCRIPT_NAME"], configuration: settings.configuration,
            sink: FastCGIResponseSink(channel: context.channel, requestID: requestID))
    }
}

@available(*, unavailable)
extension FastCGIFront: Sendable {}
