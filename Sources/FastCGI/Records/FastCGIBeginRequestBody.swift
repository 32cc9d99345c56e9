import NIOCore

/// The content of a BEGIN_REQUEST record (FastCGI 1.0 §5.1, `FCGI_BeginRequestBody`).
///
/// ```
///   0          1          2          3 … 7
/// +----------+----------+----------+-----------------+
/// |   role (BE)         |  flags   | reserved (5)    |
/// +----------+----------+----------+-----------------+
/// ```
///
/// The only flag is `FCGI_KEEP_CONN` (bit 0): without it the application closes
/// the connection after answering this request.
public struct FastCGIBeginRequestBody: Sendable, Hashable {
    /// The content length every BEGIN_REQUEST must have.
    public static let size = 8
    /// `FCGI_KEEP_CONN`.
    static let keepConnectionFlag: UInt8 = 1

    public var role: FastCGIRole
    /// `FCGI_KEEP_CONN`.
    public var keepConnection: Bool

    public init(role: FastCGIRole, keepConnection: Bool) {
        self.role = role
        self.keepConnection = keepConnection
    }
}

extension ByteBuffer {
    /// Reads a BEGIN_REQUEST body from a record's whole content.
    ///
    /// - Throws: ``FastCGIProtocolError/invalidContentLength(_:requestID:length:)`` unless
    ///   the content is exactly 8 bytes; a shorter or longer body means the peer and we
    ///   disagree about framing.
    public mutating func readFastCGIBeginRequestBody(
        requestID: UInt16
    ) throws(FastCGIProtocolError) -> FastCGIBeginRequestBody {
        guard self.readableBytes == FastCGIBeginRequestBody.size,
            let role = self.readInteger(as: UInt16.self),
            let flags = self.readInteger(as: UInt8.self)
        else {
            throw .invalidContentLength(.beginRequest, requestID: requestID, length: self.readableBytes)
        }
        self.moveReaderIndex(forwardBy: 5)
        return FastCGIBeginRequestBody(
            role: FastCGIRole(rawValue: role),
            keepConnection: flags & FastCGIBeginRequestBody.keepConnectionFlag != 0
        )
    }

    /// Writes a BEGIN_REQUEST body (8 bytes).
    @discardableResult
    public mutating func writeFastCGIBeginRequestBody(_ body: FastCGIBeginRequestBody) -> Int {
        self.writeInteger(body.role.rawValue)
            + self.writeInteger(body.keepConnection ? FastCGIBeginRequestBody.keepConnectionFlag : 0)
            + self.writeRepeatingByte(0, count: 5)
    }
}
