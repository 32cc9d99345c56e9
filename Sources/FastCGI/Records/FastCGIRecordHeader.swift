/// The fixed 8-byte header in front of every FastCGI record (FastCGI 1.0 §3.3, `FCGI_Header`).
///
/// ```
///   0          1          2          3          4          5          6          7
/// +----------+----------+----------+----------+----------+----------+----------+----------+
/// | version  |   type   |  requestID (BE)     | contentLength (BE)  | padding  | reserved |
/// +----------+----------+----------+----------+----------+----------+----------+----------+
/// | content: contentLength bytes …                    | padding: paddingLength bytes …   |
/// +---------------------------------------------------+----------------------------------+
/// ```
///
/// `version` is always 1 (`FCGI_VERSION_1`); anything else means we are not
/// talking to a FastCGI peer, or have lost framing. Padding is free for the
/// sender to choose (0–255); we skip whatever arrives and pad our own records
/// to a multiple of 8 bytes, as §3.3 recommends.
public struct FastCGIRecordHeader: Sendable, Hashable {
    /// `FCGI_VERSION_1`, the only version there is.
    public static let version: UInt8 = 1
    /// `FCGI_HEADER_LEN`.
    public static let size = 8

    public var version: UInt8
    public var type: FastCGIRecordType
    public var requestID: UInt16
    public var contentLength: UInt16
    public var paddingLength: UInt8

    public init(
        version: UInt8 = FastCGIRecordHeader.version,
        type: FastCGIRecordType,
        requestID: UInt16,
        contentLength: UInt16,
        paddingLength: UInt8
    ) {
        self.version = version
        self.type = type
        self.requestID = requestID
        self.contentLength = contentLength
        self.paddingLength = paddingLength
    }

    /// Bytes after the header: content plus padding.
    public var bodyLength: Int {
        Int(self.contentLength) + Int(self.paddingLength)
    }

    /// The padding that brings `contentLength` to a multiple of 8 (§3.3).
    public static func padding(forContentLength contentLength: Int) -> UInt8 {
        UInt8((8 - contentLength % 8) % 8)
    }
}
