/// The `protocolStatus` byte of END_REQUEST (FastCGI 1.0 §5.5).
///
/// It says whether the application handled the request at all; how the request
/// went is the separate `appStatus`.
public struct FastCGIProtocolStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// `FCGI_REQUEST_COMPLETE` (0): normal end of request.
    public static let requestComplete = FastCGIProtocolStatus(rawValue: 0)
    /// `FCGI_CANT_MPX_CONN` (1): the application does not multiplex connections.
    public static let cantMultiplexConnection = FastCGIProtocolStatus(rawValue: 1)
    /// `FCGI_OVERLOADED` (2): the application is out of some resource.
    public static let overloaded = FastCGIProtocolStatus(rawValue: 2)
    /// `FCGI_UNKNOWN_ROLE` (3): the application does not play the requested role.
    public static let unknownRole = FastCGIProtocolStatus(rawValue: 3)

    public var description: String {
        switch self {
        case .requestComplete: "REQUEST_COMPLETE"
        case .cantMultiplexConnection: "CANT_MPX_CONN"
        case .overloaded: "OVERLOADED"
        case .unknownRole: "UNKNOWN_ROLE"
        default: "\(self.rawValue)"
        }
    }
}
