/// The role a BEGIN_REQUEST asks the application to play (FastCGI 1.0 §5.1, §6).
///
/// luafcgid is a responder; authorizer and filter requests, and any role number
/// we don't know, are refused with `FCGI_UNKNOWN_ROLE`. A struct so that any
/// 16-bit value on the wire is representable.
public struct FastCGIRole: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// `FCGI_RESPONDER` (1): the CGI/1.1 role (§6.2).
    public static let responder = FastCGIRole(rawValue: 1)
    /// `FCGI_AUTHORIZER` (2) (§6.3).
    public static let authorizer = FastCGIRole(rawValue: 2)
    /// `FCGI_FILTER` (3) (§6.4).
    public static let filter = FastCGIRole(rawValue: 3)

    public var description: String {
        switch self {
        case .responder: "RESPONDER"
        case .authorizer: "AUTHORIZER"
        case .filter: "FILTER"
        default: "\(self.rawValue)"
        }
    }
}
