import NIOCore

/// The responder side of a FastCGI connection: records in, request parts up;
/// response parts down, bytes out (FastCGI 1.0, SPEC §5).
///
/// Sits after `ByteToMessageHandler(FastCGIRecordDecoder())` (see
/// `addFastCGIServerHandlers(configuration:)`). All protocol rules live in
/// ``FastCGIConnectionStateMachine``; this class unwraps, asks it, and applies the
/// answer. One instance per connection: nothing is shared, so a misbehaving peer
/// only ever closes its own connection.
///
/// Writes are not flushed, except the handler's own replies (management answers,
/// refusals, aborts) and a write that is followed by a close.
public final class FastCGIServerHandler: ChannelDuplexHandler {
    public typealias InboundIn = FastCGIRecord
    public typealias InboundOut = FastCGIRequestPart
    public typealias OutboundIn = FastCGIResponsePart
    public typealias OutboundOut = ByteBuffer

    private var stateMachine: FastCGIConnectionStateMachine

    public init(configuration: FastCGIServerConfiguration = FastCGIServerConfiguration()) {
        self.stateMachine = FastCGIConnectionStateMachine(configuration: configuration)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let record = self.unwrapInboundIn(data)
        self.apply(self.stateMachine.receivedRecord(record), context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        self.apply(self.stateMachine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    /// Protocol errors (from the decoder below us) close the connection; any
    /// other error is not ours to judge and goes up unchanged.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? FastCGIProtocolError else {
            context.fireErrorCaught(error)
            return
        }
        self.apply(self.stateMachine.receivedProtocolError(error), context: context)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = self.unwrapOutboundIn(data)
        switch self.stateMachine.applicationWrote(part) {
        case .write(let records, let thenClose):
            self.write(records, thenClose: thenClose, flush: false, promise: promise, context: context)
        case .drop:
            promise?.succeed()
        }
    }

    private func apply(_ action: FastCGIConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .doNothing:
            break
        case .forward(let part):
            context.fireChannelRead(self.wrapInboundOut(part))
        case .forwardAll(let parts):
            for part in parts {
                context.fireChannelRead(self.wrapInboundOut(part))
            }
        case .send(let records, let thenClose):
            self.write(records, thenClose: thenClose, flush: true, promise: nil, context: context)
        case .sendAndForward(let records, let part, let thenClose):
            self.write(records, thenClose: thenClose, flush: true, promise: nil, context: context)
            context.fireChannelRead(self.wrapInboundOut(part))
        case .close(let error):
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    /// Encodes `records` into one buffer — so END_REQUEST never leaves without the
    /// empty STDOUT record before it — and writes it. A close waits for the write
    /// to complete, which needs a flush.
    private func write(
        _ records: [FastCGIRecord],
        thenClose: Bool,
        flush: Bool,
        promise: EventLoopPromise<Void>?,
        context: ChannelHandlerContext
    ) {
        var buffer = context.channel.allocator.buffer(capacity: records.reduce(0) { $0 + $1.encodedSize })
        for record in records {
            buffer.writeFastCGIRecord(record)
        }
        guard thenClose else {
            if flush {
                context.writeAndFlush(self.wrapOutboundOut(buffer), promise: promise)
            } else {
                context.write(self.wrapOutboundOut(buffer), promise: promise)
            }
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: written)
        written.futureResult.assumeIsolated().whenComplete { result in
            context.close(promise: nil)
            promise?.completeWith(result)
        }
    }
}

@available(*, unavailable)
extension FastCGIServerHandler: Sendable {}
