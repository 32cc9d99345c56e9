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
