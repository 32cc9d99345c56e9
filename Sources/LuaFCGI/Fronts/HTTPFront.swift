import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The built-in HTTP/1.1 listener's front (SPEC §7): turns each request into a
/// `Request` for the engine and writes the engine's answer back.
///
/// It sits behind NIO's HTTP server pipeline (`addHTTPFront`), whose
/// `HTTPServerPipelineHandler` holds back a pipelined request until the
/// response before it ended, so the front has one request at a time:
///
/// ```
/// idle ──head──▶ receiving ──end──▶ responding ──response end──▶ idle (keep-alive)
///                   │ 400/413           │                     └──▶ closing (close)
///                   ▼                   ▼ cut off (failed, or the client read nothing), channel gone
///                closing ◀──────────────┘
/// ```
///
/// Nothing is served from the disk here: every request with a sound path goes
/// to the engine, which answers 404/403 itself. The body is collected up to
/// `maxpost` and the request dispatched at its end; over `maxpost` the client
/// gets 413 at once and the connection closes, since the rest of the body is unread.
///
/// The engine's answer comes from a worker through `HTTPResponseSink`, one hop
/// per send, with backpressure: the connection's `HTTPWriteWindow` counts the
/// body bytes handed over and not yet written to the socket, and a worker finding
/// more than the window waits. The front reports each body write's completion
/// and the channel's close to the window; a worker that waited `writeTimeout` for
/// a client that read nothing has the front cut the response off (`cutOff`).
public final class HTTPFront: ChannelInboundHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundOut = HTTPServerResponsePart

    /// The request being read.
    private struct Receiving {
        var head: HTTPRequestHead
        var target: HTTPRequestTarget
        var body: ByteBuffer?
        var bodyLength: Int { body?.readableBytes ?? 0 }
    }

    /// The response under way, from the engine or the front's own page.
    private struct Exchange {
        /// Which response this is on the connection, so a late send for an earlier one is ignored.
        var sequence: UInt64
        var version: HTTPVersion
        var isHeadRequest: Bool
        var keepAlive: Bool
        var headSent = false
        /// The engine's request, to abort when the client goes away; nil for the front's own pages.
        var request: Request?
    }

    private enum State {
        case idle
        case receiving(Receiving)
        case responding(Exchange)
        /// An answer that ends the connection was given: what still arrives is dropped.
        case closing
    }

    private let settings: Settings
    private let submit: @Sendable (Request) -> Bool
    private var state = State.idle
    private var sequence: UInt64 = 0
    /// The client shut its sending side: no further request can come.
    private var inputClosed = false
    private var context: ChannelHandlerContext?
    /// The bytes the connection's sinks handed over and the loop has not written yet.
    private let window = HTTPWriteWindow()
    private var addresses = HTTPConnectionAddresses(remoteAddress: "", remotePort: "", serverAddress: "", serverPort: "")

    init(settings: Settings, submit: @escaping @Sendable (Request) -> Bool) {
        self.settings = settings
        self.submit = submit
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { readAddresses(context.channel) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        readAddresses(context.channel)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if case .responding(let exchange) = state { exchange.request?.abort() }
        state = .closing
        window.close()  // no worker may wait for a channel that is gone
        context.fireChannelInactive()
    }

    /// With `allowRemoteHalfClosure`, a client that shut its sending side (`nc`, some scripts)
    /// still gets the answer to a request in flight; HTTPServerPipelineHandler delivers the
    /// event after the request parts before it. Nothing more can arrive, so the connection
    /// closes once that response ends, or now if none is under way.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            clientWentQuiet(context: context)
            return
        }
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        switch state {
        case .responding:
            break
        case .idle, .receiving, .closing:
            state = .closing
            context.close(promise: nil)
        }
    }

    /// Nothing came from the client for `idleTimeout`: an idle keep-alive connection,
    /// or a request that stalled, is closed; a response under way is the server's wait.
    private func clientWentQuiet(context: ChannelHandlerContext) {
        if case .responding = state { return }
        state = .closing
        context.close(promise: nil)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A parse error was answered with 400 by HTTPServerProtocolErrorHandler (unless a response
        // was under way); any error ends the connection.
        if error is HTTPParserError, settings.observer != nil {
            switch state {
            case .idle, .receiving:
                settings.observer?.observe(status: 400, bytes: 0, duration: .zero) { (nil, nil) }
            case .responding, .closing:
                break
            }
        }
        if case .responding(let exchange) = state { exchange.request?.abort() }
        state = .closing
        context.close(promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            receivedHead(head, context: context)
        case (.body(let part), .receiving(var receiving)):
            guard receiving.bodyLength + part.readableBytes <= settings.maxPost else {
                answer(.payloadTooLarge, path: receiving.target.path, to: receiving.head, closing: true)
                return
            }
            state = .closing  // not a copy of the body left behind in `state` while appending
            if receiving.body == nil {
                receiving.body = part
            } else {
                receiving.body!.writeImmutableBuffer(part)
            }
            state = .receiving(receiving)
        case (.end, .receiving(let receiving)):
            receivedEnd(receiving, context: context)
        case (_, .closing):
            break
        case (let part, _):
            // HTTPServerPipelineHandler delivers one request at a time; anything else is a broken invariant.
            assertionFailure("HTTP: \(part) in state \(state)")
            state = .closing
            context.close(promise: nil)
        }
    }

    private func receivedHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let target: HTTPRequestTarget
        do {
            target = try HTTPRequestTarget(parsing: head.uri)
        } catch {
            answer(ResponseStatus(code: 400), path: nil, to: head, closing: true)
            return
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > settings.maxPost {
            answer(.payloadTooLarge, path: target.path, to: head, closing: true)
            return
        }
        state = .receiving(Receiving(head: head, target: target, body: nil))
        // curl waits (1 s) for this before it sends a larger body.
        if head.version.isAtLeastHTTP11, head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
    }

    private func receivedEnd(_ receiving: Receiving, context: ChannelHandlerContext) {
        let head = receiving.head
        let parameters = HTTPEnvironment.parameters(
            method: head.method.rawValue, target: receiving.target, version: "HTTP/\(head.version.major).\(head.version.minor)",
            headers: head.headers.map { ($0.name, $0.value) }, bodyLength: receiving.bodyLength, addresses: addresses,
            documentRoot: settings.documentRoot)
        sequence += 1
        let cutOffTarget = HTTPResponseSink.CutOffTarget()
        let sink = HTTPResponseSink(
            front: NIOLoopBound(self, eventLoop: context.eventLoop), sequence: sequence, cutOffTarget: cutOffTarget,
            window: window, writeTimeout: settings.writeTimeout)
        let request = Request(
            parameters: parameters, body: receiving.body ?? context.channel.allocator.buffer(capacity: 0), sink: sink,
            observer: settings.observer)
        cutOffTarget.attach(request)
        state = .responding(Exchange(
            sequence: sequence, version: head.version, isHeadRequest: head.method == .HEAD, keepAlive: head.isKeepAlive,
            request: request))
        if !submit(request) {
            // The engine's queue is full (SPEC §2 `queue`): the request never ran, keep the connection.
            // Answered through the request's own sink, so the counters and the access log see it.
            let (page, body) = ErrorPage.make(.serviceUnavailable, path: receiving.target.path, extraHeaders: settings.extraHeaders)
            request.sink.send(head: page, body: body, end: .complete)
        }
    }

    /// Answers with the front's own small page; `closing` ends the connection after it.
    private func answer(_ status: ResponseStatus, path: String?, to head: HTTPRequestHead, closing: Bool) {
        sequence += 1
        state = .responding(Exchange(
            sequence: sequence, version: head.version, isHeadRequest: head.method == .HEAD,
            keepAlive: head.isKeepAlive && !closing, request: nil))
        let (page, body) = ErrorPage.make(status, path: path, extraHeaders: settings.extraHeaders)
        send(head: page, body: body, end: .complete, sequence: sequence)
        settings.observer?.observe(status: status.code, bytes: body.readableBytes, duration: .zero) {
            (head.method.rawValue, path)
        }
    }

    /// Writes one `ResponseSink.send` call's worth of response and flushes once; on the event loop.
    ///
    /// A `.failed` end after a head sent by an earlier call means the response was cut off:
    /// the connection closes without the final chunk, so the client can tell.
    ///
    /// - Returns: the write of the body, which completes once its bytes are in the socket
    ///   (or failed); nil when the body was not written (none, a HEAD request, a late send).
    @discardableResult
    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?, sequence: UInt64) -> EventLoopFuture<Void>? {
        guard case .responding(var exchange) = state, exchange.sequence == sequence, let context else { return nil }
        var headSentNow = false
        if let head, !exchange.headSent {
            let responseHead = makeResponseHead(head, exchange: &exchange)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            exchange.headSent = true
            headSentNow = true
        }
        var bodyWritten: EventLoopFuture<Void>?
        if let body, exchange.headSent, body.readableBytes > 0, !exchange.isHeadRequest {
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: promise)
            bodyWritten = promise.futureResult
        }
        guard let end else {
            state = .responding(exchange)
            context.flush()
            return bodyWritten
        }
        if !exchange.headSent || (end == .failed && !headSentNow) {
            // Cut off (or, against the seam's contract, ended without a head): nothing more can be said.
            state = .closing
            context.flush()
            context.close(promise: nil)
            return bodyWritten
        }
        // Set first: writing `.end` lets HTTPServerPipelineHandler deliver the next pipelined request at once.
        let keepOpen = exchange.keepAlive && !inputClosed
        state = keepOpen ? .idle : .closing
        if keepOpen {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
        return bodyWritten
    }

    /// A worker's send waited `timeout` (`writeTimeout`) for the client to read and it
    /// read nothing: the request is aborted (its handler stops at its next output, its
    /// worker is freed, its state kept) and the connection closes without the final
    /// chunk. Logged once, here: the window answers `.timedOut` to one send only.
    func cutOff(sequence: UInt64, readNothingFor timeout: Duration) {
        guard let context else { return }
        if case .responding(let exchange) = state, exchange.sequence == sequence, let request = exchange.request {
            request.abort()
            settings.logger.warning(
                "HTTP client read nothing for \(String(format: "%g", timeout / .seconds(1))) s; response cut off",
                metadata: [
                    "client": "\(addresses.remoteAddress):\(addresses.remotePort)",
                    "script": "\(request.parameters["SCRIPT_NAME"] ?? "")",
                ])
        }
        state = .closing
        context.close(promise: nil)
    }

    /// The NIO head for the engine's `ResponseHead`; decides whether the connection stays open.
    ///
    /// `Content-Length` is set when the length is known; otherwise NIO's encoder frames an
    /// HTTP/1.1 body as chunked, and an HTTP/1.0 body runs until the connection closes.
    /// Hop-by-hop headers a script set are dropped: the front owns the framing.
    private func makeResponseHead(_ head: ResponseHead, exchange: inout Exchange) -> HTTPResponseHead {
        var status = HTTPResponseStatus(statusCode: head.status.code, reasonPhrase: head.status.reason)
        // NIO swaps in its own phrase for the codes it knows; keep the script's (`con:status(200, "Fine")`),
        // except where NIO needs its case to know there is no body (1xx, 204, 304).
        if status.reasonPhrase != head.status.reason && status.mayHaveResponseBody {
            status = .custom(code: UInt(head.status.code), reasonPhrase: head.status.reason)
        }
        var headers = HTTPHeaders()
        var hasContentLength = head.contentLength != nil
        for line in head.headers {
            switch line.name.lowercased() {
            case "connection", "keep-alive", "transfer-encoding": continue
            case "content-length":
                if head.contentLength != nil { continue }
                hasContentLength = true
            default: break
            }
            headers.add(name: line.name, value: line.value)
        }
        if let length = head.contentLength { headers.add(name: "Content-Length", value: String(length)) }
        let hasBody = status.mayHaveResponseBody && !exchange.isHeadRequest
        if inputClosed { exchange.keepAlive = false }
        if !exchange.version.isAtLeastHTTP11 && hasBody && !hasContentLength {
            exchange.keepAlive = false  // close-delimited
        }
        if !exchange.keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if !exchange.version.isAtLeastHTTP11 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        return HTTPResponseHead(version: exchange.version, status: status, headers: headers)
    }

    private func readAddresses(_ channel: any Channel) {
        if let remote = channel.remoteAddress {
            addresses.remoteAddress = remote.ipAddress ?? ""
            addresses.remotePort = remote.port.map(String.init) ?? ""
        }
        let local = channel.localAddress
        addresses.serverAddress = local?.ipAddress ?? settings.serverAddress
        addresses.serverPort = local?.port.map(String.init) ?? settings.serverPort
    }
}

@available(*, unavailable)
extension HTTPFront: Sendable {}

extension HTTPVersion {
    /// HTTP/1.1 or later: keep-alive by default, chunked bodies possible.
    fileprivate var isAtLeastHTTP11: Bool { major > 1 || (major == 1 && minor >= 1) }
}
