/// The type byte of a FastCGI record (FastCGI 1.0 §8, "FCGI_BEGIN_REQUEST … FCGI_UNKNOWN_TYPE").
///
/// A struct rather than an enum because the byte on the wire is open-ended: a web
/// server may send a management record of a type this module has never heard of,
/// and the spec (§4.2) asks us to answer it with `FCGI_UNKNOWN_TYPE` naming that
/// very byte. So every `UInt8` is representable; the known values are static
/// members and can be used in `switch` like enum cases.
public struct FastCGIRecordType: RawRepresentable, Sendable, Hashable {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// `FCGI_BEGIN_REQUEST` (1): starts a request (§5.1).
    public static let beginRequest = FastCGIRecordType(rawValue: 1)
    /// `FCGI_ABORT_REQUEST` (2): the web server gives up on a request (§5.4).
    public static let abortRequest = FastCGIRecordType(rawValue: 2)
    /// `FCGI_END_REQUEST` (3): the application has finished a request (§5.5).
    public static let endRequest = FastCGIRecordType(rawValue: 3)
    /// `FCGI_PARAMS` (4): the name-value stream of CGI parameters (§5.2).
    public static let params = FastCGIRecordType(rawValue: 4)
    /// `FCGI_STDIN` (5): the request body stream (§5.3).
    public static let stdin = FastCGIRecordType(rawValue: 5)
    /// `FCGI_STDOUT` (6): the response stream (§5.3).
    public static let stdout = FastCGIRecordType(rawValue: 6)
    /// `FCGI_STDERR` (7): the error stream, ends up in the web server's log (§5.3).
    public static let stderr = FastCGIRecordType(rawValue: 7)
    /// `FCGI_DATA` (8): the filter role's second input stream (§5.3, §6.4).
    public static let data = FastCGIRecordType(rawValue: 8)
    /// `FCGI_GET_VALUES` (9): a management query (§4.1).
    public static let getValues = FastCGIRecordType(rawValue: 9)
    /// `FCGI_GET_VALUES_RESULT` (10): the answer to `FCGI_GET_VALUES` (§4.1).
    public static let getValuesResult = FastCGIRecordType(rawValue: 10)
    /// `FCGI_UNKNOWN_TYPE` (11): the answer to a management record we don't understand (§4.2).
    public static let unknownType = FastCGIRecordType(rawValue: 11)

    /// Whether the value is one of the eleven types FastCGI 1.0 defines.
    public var isKnown: Bool {
        (1...11).contains(self.rawValue)
    }
}

extension FastCGIRecordType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .beginRequest: "BEGIN_REQUEST"
        case .abortRequest: "ABORT_REQUEST"
        case .endRequest: "END_REQUEST"
        case .params: "PARAMS"
        case .stdin: "STDIN"
        case .stdout: "STDOUT"
        case .stderr: "STDERR"
        case .data: "DATA"
        case .getValues: "GET_VALUES"
        case .getValuesResult: "GET_VALUES_RESULT"
        case .unknownType: "UNKNOWN_TYPE"
        default: "\(self.rawValue)"
        }
    }
}
