/// A failure reported by Lua while loading or running code.
public enum LuaError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The chunk did not compile; `message` reads `path:line: reason`.
    case syntax(message: String)
    /// The file could not be read.
    case file(message: String)
    /// Running Lua code raised an error; `message` is the error value as text, `traceback` where it came from.
    case runtime(message: String, traceback: String)
    /// An allocation failed, or the state's memory cap was reached.
    case memory
    /// The state's deadline passed and its code was stopped; `traceback` is where it was.
    case timeout(traceback: String)
    /// `os.exit` (as replaced by `replaceOSExit`) ended the running code: not a failure.
    case exited
    /// The state could not be created at all.
    case stateCreation

    public var description: String {
        switch self {
        case .syntax(let message), .file(let message): return "Lua: \(message)"
        case .runtime(let message, _): return "Lua: \(message)"
        case .memory: return "Lua: not enough memory"
        case .timeout: return "Lua: stopped by the watchdog"
        case .exited: return "Lua: os.exit called"
        case .stateCreation: return "Lua: cannot create a state"
        }
    }

    /// The message followed by its traceback, for logs and error pages.
    public var details: String {
        switch self {
        case .runtime(let message, let traceback) where !traceback.isEmpty: return "\(message)\n\(traceback)"
        case .timeout(let traceback) where !traceback.isEmpty: return "\(description)\n\(traceback)"
        default: return description
        }
    }
}
