import NIOCore

/// The content of an END_REQUEST record (FastCGI 1.0 §5.5, `FCGI_EndRequestBody`).
///
/// ```
///   0          1          2          3          4          5 … 7
/// +----------+----------+----------+----------+----------+----------------+
/// |              appStatus (BE)               | protocol | reserved (3)   |
/// |                                           |  Status  |                |
/// +----------+----------+----------+----------+----------+----------------+
/// ```
///
/// `appStatus` is the application's exit code (luafcgid: 0 for a response it meant
/// to give, 1 for a failed, cut-off or aborted one); `protocolStatus` says whether
/// the request was handled at all.
public struct FastCGIEndRequestBody: Sendable, Hashable {
    /// The content length of every END_REQUEST.
    public static let size = 8

    public var appStatus: UInt32
    public var protocolStatus: FastCGIProtocolStatus

    public init(appStatus: UInt32, protocolStatus: FastCGIProtocolStatus) {
        self.appStatus = appStatus
        self.protocolStatus = protocolStatus
    }
}

extension ByteBuffer {
    /// Reads an END_REQUEST body from a record's whole content (the client side; tests).
    ///
    /// - Throws: ``FastCGIProtocolError/invalidContentLength(_:requestID:length:)`` unless
    ///   the content is exactly 8 bytes.
    public mutating func readFastCGIEndRequestBody(
        requestID: UInt16
    ) throws(FastCGIProtocolError) -> FastCGIEndRequestBody {
        guard self.readableBytes == FastCGIEndRequestBody.size,
            let appStatus = self.readInteger(as: UInt32.self),
            let protocolStatus = self.readInteger(as: UInt8.self)
        else {
            throw .invalidContentLength(.endRequest, requestID: requestID, length: self.readableBytes)
        }
        self.moveReaderIndex(forwardBy: 3)
        return FastCGIEndRequestBody(
            appStatus: appStatus,
            protocolStatus: FastCGIProtocolStatus(rawValue: protocolStatus)
        )
    }

    /// Writes an END_REQUEST body (8 bytes).
    @discardableResult
    public mutating func writeFastCGIEndRequestBody(_ body: FastCGIEndRequestBody) -> Int {
        self.writeInteger(body.appStatus)
            + self.writeInteger(body.protocolStatus.rawValue)
            + self.writeRepeatingByte(0, count: 3)
    }
}
