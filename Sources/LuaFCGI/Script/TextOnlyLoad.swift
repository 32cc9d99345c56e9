import Lua

/// Makes a state's `load` compile text only (SPEC §3.6: nothing a script does
/// stops the server). Lua does not verify binary chunks: bytes made to look
/// like one — `load` of a string built from request data, or an edited
/// `string.dump` — can crash the VM, and with it every request of the process.
/// Script files may still be precompiled (`luac`): they are the operator's,
/// not data.
enum TextOnlyLoad {
    /// Lua: `load` with its mode forced to "t"; a binary chunk gets Lua's own
    /// "attempt to load a binary chunk (mode is 't')". The arguments after the
    /// mode pass as given, so an explicit `nil` environment stays explicit.
    private static let source = """
        local load = load
        _G.load = function(chunk, name, mode, ...)
          return load(chunk, name, "t", ...)
        end
        """

    static func install(in lua: LuaState) throws(LuaError) {
        try lua.run(source, chunkName: "=luafcgid.load")
    }
}
