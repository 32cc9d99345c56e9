import CLua

/// Loading chunks and running Lua code. Lua code runs only here, in protected mode.
extension LuaState {
    /// Compiles the file at `path` and pushes the chunk as a function; its chunk
    /// name is `@path`, so messages read `path:line: reason`.
    ///
    /// Stack: [] → [chunk]; on failure nothing is pushed.
    public func loadFile(_ path: String) throws(LuaError) {
        reserve(4)
        let status = luaL_loadfilex(pointer, path, nil)
        guard status != LUA_OK else { return }
        let message = string(at: -1) ?? "cannot load \(path)"
        pop()
        switch status {
        case LUA_ERRSYNTAX: throw .syntax(message: message)
        case LUA_ERRMEM: throw .memory
        default: throw .file(message: message)
        }
    }

    /// Compiles `source` (text only) and pushes the chunk as a function.
    ///
    /// Stack: [] → [chunk]; on failure nothing is pushed.
    public func loadString(_ source: String, chunkName: String) throws(LuaError) {
        reserve(1)
        var source = source
        let status = source.withUTF8 { bytes in
            luaL_loadbufferx(
                pointer, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                bytes.count, chunkName, "t")
        }
        guard status != LUA_OK else { return }
        let message = string(at: -1) ?? "cannot load \(chunkName)"
        pop()
        if status == LUA_ERRMEM { throw .memory }
        throw .syntax(message: message)
    }

    /// Which chunks `load(_:chunkName:mode:)` compiles: `luaL_loadbufferx`'s mode.
    public enum ChunkMode: String, Sendable {
        case text = "t"
        case binary = "b"
        case textOrBinary = "bt"
    }

    /// Compiles `bytes` — source text, or a precompiled chunk where `mode` allows
    /// it — and pushes the chunk as a function. The bytes are taken as they are:
    /// unlike `loadFile`, no BOM or `#` first line is skipped.
    ///
    /// Stack: [] → [chunk]; on failure nothing is pushed.
    public func load(_ bytes: UnsafeRawBufferPointer, chunkName: String, mode: ChunkMode) throws(LuaError) {
        reserve(1)
        let status = luaL_loadbufferx(
            pointer, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, chunkName, mode.rawValue)
        guard status != LUA_OK else { return }
        let message = string(at: -1) ?? "cannot load \(chunkName)"
        pop()
        if status == LUA_ERRMEM { throw .memory }
        throw .syntax(message: message)
    }

    /// Calls the function below `arguments` arguments in protected mode with a
    /// traceback handler, keeping `results` results (`LUA_MULTRET` for all).
    ///
    /// Stack: [f, args…] → [results…]; on failure [f, args…] → [] and the error is thrown.
    /// Lua code may allocate up to the memory limit only while it runs here.
    /// A state whose code was stopped by its limits throws `.timeout` or
    /// `.memory` whatever the code did with the error, and is spent from then on.
    public func call(arguments: Int32, results: Int32) throws(LuaError) {
        reserve(results > arguments ? results - arguments + 1 : 1)
        let base = top - arguments - 1
        let outer = limits.pointee.swiftActive
        limits.pointee.swiftActive = 0
        let status = clua_pcall_traceback(pointer, arguments, results)
        limits.pointee.swiftActive = outer
        if status == LUA_ERRMEM { limits.pointee.exceeded = 1 }
        if limits.pointee.stopped == CLUA_STOPPED_TIME {
            let traceback = status == LUA_OK ? "" : Self.splitTraceback(string(at: -1) ?? "").traceback
            top = base
            throw .timeout(traceback: traceback)
        }
        if limits.pointee.stopped == CLUA_STOPPED_MEMORY || limits.pointee.exceeded != 0 {
            top = base
            throw .memory
        }
        guard status != LUA_OK else { return }
        defer { pop() }
        if clua_is_exit_token(pointer, -1) != 0 { throw .exited }
        let (message, traceback) = Self.splitTraceback(string(at: -1) ?? "(error object is not a string)")
        throw .runtime(message: message, traceback: traceback)
    }

    /// `luaL_traceback` output is "message\nstack traceback:\n\t…"; keep the parts apart.
    private static func splitTraceback(_ text: String) -> (message: String, traceback: String) {
        guard let range = text.firstRange(of: "\nstack traceback:") else { return (text, "") }
        return (String(text[..<range.lowerBound]), String(text[text.index(after: range.lowerBound)...]))
    }

    /// Runs `source` as a chunk with no arguments and no results.
    public func run(_ source: String, chunkName: String) throws(LuaError) {
        try loadString(source, chunkName: chunkName)
        try call(arguments: 0, results: 0)
    }
}

/// A Swift function callable from Lua: it reads its arguments from the stack,
/// pushes its results and returns their count — or pushes an error message and
/// returns `LuaState.raise`, and the C trampoline raises it once this frame is gone.
/// It must never call anything that raises a Lua error itself.
public typealias LuaFunction = @convention(c) (OpaquePointer?) -> Int32

extension LuaState {
    /// Return value of a `LuaFunction` that pushed an error value for the trampoline to raise.
    public static let raise: Int32 = -1

    /// Pushes `message` and returns `LuaState.raise`: `return state.raise("bad argument")`.
    public func raise(_ message: String) -> Int32 {
        push(message)
        return Self.raise
    }

    /// Pushes `function` as a Lua function, taking the `upvalues` values on top
    /// of the stack as its upvalues 2, 3, … (upvalue 1 holds the function itself).
    ///
    /// Stack: [upvalues…] → [closure].
    public func push(function: LuaFunction, upvalues: Int32 = 0) {
        reserve(1)
        clua_pushswiftfunction(pointer, function, upvalues)
    }

    /// The pseudo-index of upvalue `n` of the running Swift function (its own upvalue `n + 1`).
    public static func upvalueIndex(_ n: Int32) -> Int32 {
        clua_upvalueindex(n + 1)
    }

    /// Replaces `os.exit` with a function that ends the running protected call
    /// with `LuaError.exited` instead of the process. Call after opening the libraries.
    public func replaceOSExit() {
        clua_replace_os_exit(pointer)
    }

    /// Pushes the token `os.exit` raises and returns `LuaState.raise`: a Swift function
    /// ends the running Lua code as `os.exit` would (`return state.raiseExit()`).
    public func raiseExit() -> Int32 {
        clua_push_exit_token(pointer)
        return Self.raise
    }

    /// Sets the global `name` to `function`.
    public func register(_ name: String, function: LuaFunction) {
        push(function: function)
        setGlobal(name)
    }
}
