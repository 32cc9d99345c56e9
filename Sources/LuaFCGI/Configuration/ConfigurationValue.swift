/// A configuration value as the config script gave it, or its default.
///
/// Kept in this form for `con:config(name)`, which hands it back to Lua.
public enum ConfigurationValue: Hashable, Sendable {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case strings([String])
}

extension ConfigurationValue: CustomStringConvertible {
    /// The value as a Lua literal, as a config file could hold it: `--check` prints
    /// these, and a reload's log line names what changed with them.
    public var description: String {
        switch self {
        case .string(let text): return Self.quoted(text)
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .strings(let texts): return "{" + texts.map(Self.quoted).joined(separator: ", ") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
