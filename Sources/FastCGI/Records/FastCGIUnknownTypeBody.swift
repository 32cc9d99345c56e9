import NIOCore

/// The content of an UNKNOWN_TYPE record (FastCGI 1.0 §4.2, `FCGI_UnknownTypeBody`).
///
/// ```
///   0          1 … 7
/// +----------+-----------------+
/// |   type   | reserved (7)    |
/// +----------+-----------------+
/// ```
///
/// Sent in answer to a management record whose type we don't understand, so a
/// newer web server can find out what this application supports.
public struct FastCGIUnknownTypeBody: Sendable, Hashable {
    /// The content length of every UNKNOWN_TYPE record.
    public static let size = 8

    /// The type byte we did not understand.
    public var type: FastCGIRecordType

    public init(type: FastCGIRecordType) {
        self.type = type
    }
}

extension ByteBuffer {
    /// Reads an UNKNOWN_TYPE body from a record's whole content (the client side; tests).
    ///
    /// - Throws: ``FastCGIProtocolError/invalidContentLength(_:requestID:length:)`` unless
    ///   the content is exactly 8 bytes.
    public mutating func readFastCGIUnknownTypeBody() throws(FastCGIProtocolError) -> FastCGIUnknownTypeBody {
        guard self.readableBytes == FastCGIUnknownTypeBody.size, let type = self.readInteger(as: UInt8.self) else {
            throw .invalidContentLength(
                .unknownType,
                requestID: FastCGIRecord.managementRequestID,
                length: self.readableBytes
            )
        }
        self.moveReaderIndex(forwardBy: 7)
        return FastCGIUnknownTypeBody(type: FastCGIRecordType(rawValue: type))
    }

    /// Writes an UNKNOWN_TYPE body (8 bytes).
    @discardableResult
    public mutating func writeFastCGIUnknownTypeBody(_ body: FastCGIUnknownTypeBody) -> Int {
        self.writeInteger(body.type.rawValue) + self.writeRepeatingByte(0, count: 7)
    }
}
