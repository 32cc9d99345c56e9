import NIOCore

/// Turns bytes from the peer into ``FastCGIRecord``s in a NIO pipeline (FastCGI 1.0 §3.3).
///
/// luafcgid-load reads the server's answers with it; luafcgid's workers call
/// `readFastCGIRecord()` on their own buffer instead.
///
/// Records may arrive split at any byte and with any padding. The decoder keeps
/// no state of its own: it waits until a whole record is buffered, so it never
/// needs more than ``FastCGIRecord/maximumEncodedSize`` bytes (65 798) to make
/// progress. Wrap it with that as `maximumBufferSize`
/// (`ByteToMessageHandler(FastCGIRecordDecoder(), maximumBufferSize: …)`) to
/// bound what a peer can make us hold.
///
/// A bad version byte throws ``FastCGIProtocolError/unsupportedVersion(_:)``:
/// framing is lost and the connection must go.
public struct FastCGIRecordDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = FastCGIRecord

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let record = try buffer.readFastCGIRecord() else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(record))
        return .continue
    }

    /// Decodes what is left when the connection closes. A record cut off by the
    /// close is dropped silently: the peer went away mid-write (a web server
    /// whose client hung up does that), which is not worth a protocol warning.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
