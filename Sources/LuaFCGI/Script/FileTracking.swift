import Lua

/// Makes a state record the Lua files it loads besides its script (SPEC §3.7):
/// modules `require` finds on `package.path`, and files `dofile`/`loadfile`
/// read from the script's directory tree. Done in Lua by wrapping those
/// functions, so error messages and return values stay Lua's own.
enum FileTracking {
    /// Lua: called with the recording function and the script's directory.
    private static let source = """
        local record, directory = ...
        local prefix = directory .. "/"
        local searchers = package.searchers
        local searchLua = searchers[2]
        searchers[2] = function(name)
          local loader, path = searchLua(name)
          if type(loader) == "function" then record(path) end
          return loader, path
        end
        local function inTree(path)
          return type(path) == "string" and path:sub(1, #prefix) == prefix
        end
        local dofile, loadfile = dofile, loadfile
        _G.dofile = function(path)
          if inTree(path) then record(path) end
          return dofile(path)
        end
        _G.loadfile = function(path, ...)
          if inTree(path) then record(path) end
          return loadfile(path, ...)
        end
        """

    /// Installs the wrappers in `lua`, whose context must be a `ScriptStateContext`.
    static func install(in lua: LuaState, scriptDirectory: String) throws(LuaError) {
        try lua.loadString(source, chunkName: "=luafcgid.tracking")
        lua.push(function: record)
        lua.push(scriptDirectory)
        try lua.call(arguments: 2, results: 0)
    }

    /// `record(path)`: notes a loaded file in the state's `ScriptFiles`.
    private static let record: LuaFunction = { L in
        let lua = LuaState.current(L!)
        if let path = lua.string(at: 1), let context = lua.context as? ScriptStateContext {
            context.files.record(path)
        }
        return 0
    }
}
