import Lua

/// `require "luafcgid"` (SPEC §4.3): the helpers written in Lua
/// (`LuafcgidModuleSource`), compiled only in the states that ask for them.
enum LuafcgidModule {
    /// `env.LUAFCGID_VERSION`.
    static let version = 2.0

    /// Registers the module's loader in `package.preload`.
    static func install(in lua: LuaState) {
        guard lua.getGlobal("package") == .table else {
            lua.pop()
            return
        }
        if lua.rawGet(table: -1, key: "preload") == .table {
            lua.push(function: load)
            lua.rawSet(table: -2, key: "luafcgid")
        }
        lua.pop(2)
    }

    /// The loader `require` calls: compiles and runs the module source, returning its
    /// table, with `shared` (`SharedStoreObject`) added to it.
    private static let load: LuaFunction = { L in
        let lua = LuaState.current(L!)
        do throws(LuaError) {
            try lua.loadString(LuafcgidModuleSource.source, chunkName: "=luafcgid")
            try lua.call(arguments: 0, results: 1)
        } catch {
            return lua.raise("cannot load module 'luafcgid': \(error.description)")
        }
        if lua.type(at: -1) == .table {
            SharedStoreObject.push(in: lua)
            lua.rawSet(table: -2, key: "shared")
        }
        return 1
    }
}
