/// Why the server cannot run; `luafcgid` exits 1 with this description.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// An address could not be bound: which one and why.
    case cannotBind(address: String, reason: String)
    /// A reload came while the server was stopping.
    case stopping
    /// Something else the server needs failed (the pid file, say): why.
    case cannotRun(String)

    public var description: String {
        switch self {
        case .cannotBind(let address, let reason): return "cannot listen on \(address): \(reason)"
        case .stopping: return "the server is stopping"
        case .cannotRun(let reason): return reason
        }
    }
}
