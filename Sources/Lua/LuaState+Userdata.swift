import CLua

/// Full userdata and named metatables (`luaL_newmetatable` and friends), without
/// raising and without metamethods: the registry is raw-accessed, since a script
/// can reach it (`debug.getregistry`) and give it a raising `__index`.
extension LuaState {
    /// Pushes the metatable registered as `name`, creating it (with `__name`) if new.
    /// Returns true when it was created, so the caller fills it in.
    ///
    /// Stack: [] → [metatable].
    @discardableResult
    public func pushMetatable(named name: String) -> Bool {
        reserve(2)
        return clua_newmetatable_raw(pointer, name) != 0
    }

    /// Pushes a new full userdata of `size` bytes and returns its memory.
    ///
    /// Stack: [] → [userdata].
    public func newUserdata(size: Int) -> UnsafeMutableRawPointer {
        reserve(1)
        return lua_newuserdatauv(pointer, size, 0)
    }

    /// Pops a table and sets it as the metatable of the value at `index`.
    public func setMetatable(of index: Int32) {
        lua_setmetatable(pointer, index)
    }

    /// The memory of the userdata at `index` if its metatable is the one named `name`, else nil.
    public func userdata(at index: Int32, metatable name: String) -> UnsafeMutableRawPointer? {
        reserve(2)
        return clua_testudata_raw(pointer, index, name)
    }
}
