import NIOCore

/// One FastCGI record: a type, the request it belongs to, and its content (FastCGI 1.0 §3.3).
///
/// Padding is a framing detail and is not kept: the decoder drops it, the encoder
/// adds enough to reach 8-byte alignment. `requestID` 0 marks a management
/// record (`FCGI_NULL_REQUEST_ID`, §4).
public struct FastCGIRecord: Sendable, Hashable {
    /// `FCGI_NULL_REQUEST_ID`: the request ID of management records.
    public static let managementRequestID: UInt16 = 0
    /// The most content one record can carry: `contentLength` is 16 bits.
    public static let maximumContentLength = Int(UInt16.max)
    /// The largest record on the wire: header, 65535 content bytes, 255 padding bytes.
    /// A decoder never needs to buffer more than this to make progress.
    public static let maximumEncodedSize = FastCGIRecordHeader.size + Int(UInt16.max) + Int(UInt8.max)

    public var type: FastCGIRecordType
    public var requestID: UInt16
    public var content: ByteBuffer

    public init(type: FastCGIRecordType, requestID: UInt16, content: ByteBuffer = ByteBuffer()) {
        self.type = type
        self.requestID = requestID
        self.content = content
    }

    /// Whether this is a management record (request ID 0, §4).
    public var isManagement: Bool {
        self.requestID == Self.managementRequestID
    }
}
