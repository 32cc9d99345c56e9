/// Why a configuration cannot be used; `luafcgid` exits 2 with this one-line description.
public enum ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(source: String, reason: String)
    /// The script did not compile; `message` is Lua's, naming the file and line.
    case syntax(message: String)
    /// The script raised an error while running.
    case runtime(source: String, message: String)
    /// A setting has a value of the wrong type or range. `source` is `file:line` when the line is known.
    case wrongType(setting: String, source: String?, expected: String)
    /// A setting has a value of the right type that still cannot be used.
    case invalid(setting: String, source: String?, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let source, let reason): return "\(source): cannot read the configuration: \(reason)"
        case .syntax(let message): return "\(message)"
        case .runtime(let source, let message): return "\(source): error while running the configuration: \(message)"
        case .wrongType(let setting, let source, let expected):
            return "\(source.map { "\($0): " } ?? "")setting '\(setting)' must be \(expected)"
        case .invalid(let setting, let source, let reason):
            return "\(source.map { "\($0): " } ?? "")setting '\(setting)': \(reason)"
        }
    }
}
