import NIOCore

/// Turns ``FastCGIRecord``s into bytes, each padded to a multiple of 8 (FastCGI 1.0 §3.3).
///
/// The server side does not need it (luafcgid's workers write a response's
/// records into one buffer themselves, to send it at once); it is here for
/// clients: tests, tools, and anything that talks FastCGI to luafcgid.
public struct FastCGIRecordEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = FastCGIRecord

    public init() {}

    public func encode(data: FastCGIRecord, out: inout ByteBuffer) throws {
        out.writeFastCGIRecord(data)
    }
}
