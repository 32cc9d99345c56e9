import NIOCore

/// What the application writes, through
/// ``FastCGIConnectionStateMachine/applicationWrote(_:)``: one request's output.
///
/// Parts for a request that is no longer active (it ended, or was aborted while
/// the application was still producing it) are dropped.
public enum FastCGIResponsePart: Sendable, Hashable {
    /// Response bytes, sent as STDOUT records of at most 65535 content bytes.
    /// An empty buffer writes nothing (an empty STDOUT record would end the stream).
    case stdout(requestID: UInt16, ByteBuffer)
    /// Error text for the web server's log, sent as STDERR records like `.stdout`.
    case stderr(requestID: UInt16, ByteBuffer)
    /// The end of the request: an empty STDOUT record and END_REQUEST
    /// (`FCGI_REQUEST_COMPLETE`, this `appStatus`) in one write; then, when the
    /// request did not ask for `FCGI_KEEP_CONN`, the connection is closed.
    case end(requestID: UInt16, appStatus: UInt32)

    /// The request this part belongs to.
    public var requestID: UInt16 {
        switch self {
        case .stdout(let requestID, _), .stderr(let requestID, _), .end(let requestID, _): requestID
        }
    }
}
