/// Why the server cannot run; `luafcgid` exits 1 with this description.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// An address could not be bound: which one and why.
    case cannotBind(address: String, reason: String)
    /// The log file could not be opened.
    case log(String)

    public var description: String {
        switch self {
        case .cannotBind(let address, let reason): return "cannot listen on \(address): \(reason)"
        case .log(let reason): return reason
        }
    }
}
