import NIOCore

/// What ``FastCGIConnectionStateMachine`` forwards to the application: one request's events, in order.
///
/// Parts of different requests interleave when the web server multiplexes
/// (FastCGI 1.0 §3.3); `requestID` tells them apart. A request yields one
/// `.head`, any number of `.body`, then `.end` — or `.abort` at any point after
/// `.head`, after which nothing more arrives for that ID.
public enum FastCGIRequestPart: Sendable, Hashable {
    /// The parameters are complete (the empty PARAMS record arrived).
    case head(FastCGIRequestHead)
    /// The content of a non-empty STDIN record.
    case body(requestID: UInt16, ByteBuffer)
    /// The empty STDIN record: the body is complete.
    case end(requestID: UInt16)
    /// ABORT_REQUEST arrived, or the connection closed while the request was active.
    /// END_REQUEST has already been sent where it could be; the application only
    /// needs to stop waiting. Anything it writes for this ID later is dropped.
    case abort(requestID: UInt16)

    /// The request this part belongs to.
    public var requestID: UInt16 {
        switch self {
        case .head(let head): head.requestID
        case .body(let requestID, _), .end(let requestID), .abort(let requestID): requestID
        }
    }
}
