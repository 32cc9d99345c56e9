/// The ways a peer can break FastCGI 1.0; each case carries the offending value.
///
/// Every one of them is fatal for the connection it happened on (SPEC §5): the
/// state machine answers `.close(error)`, and whoever drives it closes that
/// connection and logs the error (luafcgid's workers do). Nothing outside the
/// connection is affected, so a confused or hostile web server cannot hurt
/// anybody else.
public enum FastCGIProtocolError: Error, Hashable, CustomStringConvertible {
    /// The header's version byte was not `FCGI_VERSION_1` (§3.3). Usually not a
    /// FastCGI peer at all (an HTTP client on the FastCGI port), or lost framing.
    case unsupportedVersion(UInt8)
    /// An application record (request ID ≠ 0) of a type FastCGI 1.0 does not define.
    /// Unknown *management* types are answered with UNKNOWN_TYPE instead (§4.2).
    case unknownRecordType(FastCGIRecordType, requestID: UInt16)
    /// A record only the application may send (STDOUT, END_REQUEST, …) arrived from the web server.
    case unexpectedRecordType(FastCGIRecordType, requestID: UInt16)
    /// A record arrived where the stream order of §5.2/§5.3 forbids it: STDIN
    /// before the PARAMS stream was closed, PARAMS after it, STDIN after STDIN ended.
    case outOfOrderRecord(FastCGIRecordType, requestID: UInt16)
    /// A record of fixed-size content (BEGIN_REQUEST, …) had another length.
    case invalidContentLength(FastCGIRecordType, requestID: UInt16, length: Int)
    /// BEGIN_REQUEST for a request ID that is still active (§3.3).
    case duplicateRequestID(UInt16)
    /// A request's parameters (names plus values) would exceed `limit` bytes.
    case parametersTooLarge(bytes: Int, limit: Int)
    /// A name-value stream ended in the middle of a pair: its lengths promise more
    /// bytes than there are (§3.4). `bytes` is what was left over.
    case truncatedNameValuePair(bytes: Int)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            "FastCGI: unsupported protocol version \(version)"
        case .unknownRecordType(let type, let requestID):
            "FastCGI: unknown record type \(type.rawValue) for request \(requestID)"
        case .unexpectedRecordType(let type, let requestID):
            "FastCGI: unexpected \(type) record for request \(requestID)"
        case .outOfOrderRecord(let type, let requestID):
            "FastCGI: \(type) record out of order for request \(requestID)"
        case .invalidContentLength(let type, let requestID, let length):
            "FastCGI: \(type) record for request \(requestID) has invalid content length \(length)"
        case .duplicateRequestID(let requestID):
            "FastCGI: BEGIN_REQUEST for request \(requestID), which is already active"
        case .parametersTooLarge(let bytes, let limit):
            "FastCGI: request parameters of \(bytes) bytes exceed the limit of \(limit)"
        case .truncatedNameValuePair(let bytes):
            "FastCGI: name-value stream ends inside a pair (\(bytes) bytes left over)"
        }
    }
}
