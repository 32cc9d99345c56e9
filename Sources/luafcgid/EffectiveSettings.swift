import LuaFCGI

/// `--check` output: every setting with its effective value, as Lua a config file could hold.
enum EffectiveSettings {
    static func render(_ configuration: Configuration, source: String?) -> String {
        var text = "-- luafcgid: configuration \(source ?? "(built-in defaults)") is valid\n"
        for name in configuration.values.keys.sorted() {
            guard let value = configuration.values[name] else { continue }
            text += "\(name) = \(literal(value))\n"
        }
        return text
    }

    private static func literal(_ value: ConfigurationValue) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .strings(let texts): return "{" + texts.map(quoted).joined(separator: ", ") + "}"
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
