import LuaFCGI

/// Where the configuration comes from: the config file (if any) and the command
/// line's flags, which a reload applies again on top of the re-read file.
struct ConfigurationSource: Sendable {
    var path: String?
    var overrides: Configuration.Overrides

    /// Reads the file afresh, or takes the built-in defaults without one.
    func load() throws(ConfigurationError) -> Configuration {
        if let path {
            return try ConfigurationLoader.load(path: path, overrides: overrides)
        }
        return try Configuration.defaults(overrides: overrides)
    }

    /// How the log names the source.
    var name: String { path ?? "the built-in defaults" }
}
