import LuaFCGI

/// `--check` output: every setting with its effective value, as Lua a config file could hold.
enum EffectiveSettings {
    static func render(_ configuration: Configuration, source: String?) -> String {
        var text = "-- luafcgid: configuration \(source ?? "(built-in defaults)") is valid\n"
        for name in configuration.values.keys.sorted() {
            guard let value = configuration.values[name] else { continue }
            text += "\(name) = \(value)\n"
        }
        return text
    }
}
