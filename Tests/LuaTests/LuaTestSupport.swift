import Lua
import Testing

/// A state with the standard libraries open.
func makeState(memoryLimit: Int = 0) throws -> LuaState {
    let state = try LuaState(memoryLimit: memoryLimit)
    state.openStandardLibraries()
    return state
}

extension LuaState {
    /// Runs `return <expression>` and returns its single result as text (nil for non-strings/numbers).
    func evaluate(_ expression: String) throws -> String? {
        try loadString("return \(expression)", chunkName: "=test")
        try call(arguments: 0, results: 1)
        defer { pop() }
        return string(at: -1)
    }

    /// Runs `source`, expecting it to fail at run time, and returns the error.
    func runtimeError(_ source: String, chunkName: String = "=test") -> LuaError? {
        do {
            try run(source, chunkName: chunkName)
            return nil
        } catch {
            return error
        }
    }
}

/// Where a Swift function called from Lua leaves what it saw (`LuaState.context`).
final class Recorder {
    var states: [ObjectIdentifier] = []
    var strings: [String] = []
}
