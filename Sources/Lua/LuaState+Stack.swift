import CLua

/// Pushing and reading values. Pushes never fail (see `LuaState`); reads never convert in place.
///
/// Every method that pushes makes room on the stack first: Lua's C API does not
/// check, and a push past the end of the stack corrupts the heap.
extension LuaState {
    /// The index of the top element (`lua_gettop`); setting it pops or pads with nil.
    public var top: Int32 {
        get { lua_gettop(pointer) }
        set {
            let current = lua_gettop(pointer)
            if newValue > current { reserve(newValue - current) }
            lua_settop(pointer, newValue)
        }
    }

    /// Makes room for `count` more values (`lua_checkstack`). False only when the
    /// stack would pass Lua's limit (LUAI_MAXSTACK, a million slots).
    /// The wrapper's own methods call it themselves; code using `pointer` directly may need it.
    @discardableResult
    public func ensureStack(_ count: Int32) -> Bool {
        lua_checkstack(pointer, count) != 0
    }

    /// Room for `count` more values, or a trap: writing past the stack would corrupt memory.
    func reserve(_ count: Int32) {
        precondition(lua_checkstack(pointer, count) != 0, "Lua: stack overflow (more than LUAI_MAXSTACK values)")
    }

    /// Pops `count` values.
    public func pop(_ count: Int32 = 1) {
        clua_pop(pointer, count)
    }

    /// The type of the value at `index`.
    public func type(at index: Int32) -> LuaType {
        LuaType(rawValue: lua_type(pointer, index)) ?? .none
    }

    // MARK: Push (each pushes one value)

    public func pushNil() {
        reserve(1)
        lua_pushnil(pointer)
    }

    public func push(_ value: Bool) {
        reserve(1)
        lua_pushboolean(pointer, value ? 1 : 0)
    }

    public func push(_ value: Int) {
        reserve(1)
        lua_pushinteger(pointer, lua_Integer(value))
    }

    public func push(_ value: Double) {
        reserve(1)
        lua_pushnumber(pointer, value)
    }

    public func push(_ value: String) {
        reserve(1)
        var value = value
        value.withUTF8 { bytes in
            _ = lua_pushlstring(pointer, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, bytes.count)
        }
    }

    /// Pushes raw bytes as a Lua string.
    public func push(bytes: UnsafeRawBufferPointer) {
        reserve(1)
        _ = lua_pushlstring(pointer, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// Pushes a copy of the value at `index`.
    public func pushValue(at index: Int32) {
        reserve(1)
        lua_pushvalue(pointer, index)
    }

    // MARK: Read (no conversion in place, no metamethods)

    /// The string at `index` if it is a string or a number, decoded as UTF-8 (invalid bytes repaired).
    public func string(at index: Int32) -> String? {
        let type = self.type(at: index)
        if type == .number {
            // lua_tolstring would convert the stack slot in place; work on a copy.
            pushValue(at: index)
            defer { pop() }
            return rawString(at: -1)
        }
        guard type == .string else { return nil }
        return rawString(at: index)
    }

    /// Calls `body` with the bytes of the string at `index`; nil unless it is a string.
    public func withStringBytes<R>(at index: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard type(at: index) == .string else { return nil }
        var length = 0
        guard let chars = lua_tolstring(pointer, index, &length) else { return nil }
        return try body(UnsafeRawBufferPointer(start: chars, count: length))
    }

    private func rawString(at index: Int32) -> String? {
        var length = 0
        guard let chars = lua_tolstring(pointer, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: chars, count: length), as: UTF8.self)
    }

    /// The integer at `index` if it is a number with an integral value.
    public func integer(at index: Int32) -> Int? {
        var isNumber: Int32 = 0
        let value = lua_tointegerx(pointer, index, &isNumber)
        return isNumber != 0 && type(at: index) == .number ? Int(value) : nil
    }

    /// Whether the value at `index` is a number with the integer subtype (`3`, not `3.0`).
    public func isInteger(at index: Int32) -> Bool {
        lua_isinteger(pointer, index) != 0
    }

    /// The number at `index` if it is a number.
    public func number(at index: Int32) -> Double? {
        guard type(at: index) == .number else { return nil }
        return lua_tonumberx(pointer, index, nil)
    }

    /// The boolean at `index` if it is a boolean.
    public func boolean(at index: Int32) -> Bool? {
        guard type(at: index) == .boolean else { return nil }
        return lua_toboolean(pointer, index) != 0
    }

    // MARK: Tables (raw access: no metamethods can run)
    //
    // Lua's raw functions do not check that their target is a table (a failed
    // API check is undefined behaviour). A script can put anything where Swift
    // expects a table, e.g. `debug.getregistry()[2] = 0` for the globals, so
    // reads from a non-table give nil and writes to one are dropped.

    /// Pushes a new table with room for `arrayCount` array and `recordCount` hash entries.
    public func newTable(arrayCount: Int32 = 0, recordCount: Int32 = 0) {
        reserve(1)
        lua_createtable(pointer, arrayCount, recordCount)
    }

    /// `t[key] = v` for the table at `table` and the value on top, which is popped.
    public func rawSet(table: Int32, key: String) {
        let table = lua_absindex(pointer, table)
        guard lua_type(pointer, table) == LUA_TTABLE else { return pop() }
        push(key)
        lua_rotate(pointer, -2, 1)
        lua_rawset(pointer, table)
    }

    /// `t[index] = v` for the table at `table` and the value on top, which is popped.
    public func rawSet(table: Int32, index: Int) {
        guard lua_type(pointer, table) == LUA_TTABLE else { return pop() }
        lua_rawseti(pointer, table, lua_Integer(index))
    }

    /// Pushes `t[key]` of the table at `table`; returns its type.
    @discardableResult
    public func rawGet(table: Int32, key: String) -> LuaType {
        let table = lua_absindex(pointer, table)
        guard lua_type(pointer, table) == LUA_TTABLE else {
            pushNil()
            return .nil
        }
        push(key)
        return LuaType(rawValue: lua_rawget(pointer, table)) ?? .none
    }

    /// Pushes `t[index]` of the table at `table`; returns its type.
    @discardableResult
    public func rawGet(table: Int32, index: Int) -> LuaType {
        guard lua_type(pointer, table) == LUA_TTABLE else {
            pushNil()
            return .nil
        }
        reserve(1)
        return LuaType(rawValue: lua_rawgeti(pointer, table, lua_Integer(index))) ?? .none
    }

    /// The raw length of the table or string at `index` (`lua_rawlen`).
    public func rawLength(at index: Int32) -> Int {
        Int(lua_rawlen(pointer, index))
    }

    /// Iterates the table at `index` (`lua_next`): `body` sees the key at -2 and the value at -1
    /// and must leave the stack as it found it. Return false from `body` to stop.
    ///
    /// Stack: unchanged afterwards, also when `body` throws.
    public func forEachPair(inTable index: Int32, _ body: () throws -> Bool) rethrows {
        let table = lua_absindex(pointer, index)
        guard lua_type(pointer, table) == LUA_TTABLE else { return }
        reserve(2)
        lua_pushnil(pointer)
        while lua_next(pointer, table) != 0 {
            let goOn: Bool
            do {
                goOn = try body()
            } catch {
                pop(2)
                throw error
            }
            pop()
            if !goOn {
                pop()
                return
            }
        }
    }

    // MARK: Globals (raw access to the globals table)

    /// Pushes the table of globals.
    public func pushGlobalsTable() {
        reserve(1)
        lua_rawgeti(pointer, clua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
    }

    /// Pushes the global `name` and returns its type.
    @discardableResult
    public func getGlobal(_ name: String) -> LuaType {
        reserve(2)
        pushGlobalsTable()
        let type = rawGet(table: -1, key: name)
        lua_rotate(pointer, -2, 1)
        pop()
        return type
    }

    /// Pops the value on top into the global `name`.
    public func setGlobal(_ name: String) {
        reserve(2)
        pushGlobalsTable()
        lua_rotate(pointer, -2, 1)
        rawSet(table: -2, key: name)
        pop()
    }

    // MARK: Registry references

    /// Pops the value on top into the registry and returns a reference to it (`luaL_ref`).
    public func makeReference() -> Int32 {
        reserve(1)
        return luaL_ref(pointer, clua_registryindex())
    }

    /// Pushes the value behind a registry reference.
    public func pushReference(_ reference: Int32) {
        reserve(1)
        lua_rawgeti(pointer, clua_registryindex(), lua_Integer(reference))
    }

    /// Frees a registry reference (`luaL_unref`); its value may be collected and the
    /// number handed out again. Releasing `LUA_REFNIL`/`LUA_NOREF` does nothing.
    public func releaseReference(_ reference: Int32) {
        reserve(1)
        luaL_unref(pointer, clua_registryindex(), reference)
    }
}

extension LuaState {
    /// `t[k] = v` for the table at `table`, with the key below the value on top; both are popped.
    public func rawSet(table: Int32) {
        guard lua_type(pointer, table) == LUA_TTABLE else { return pop(2) }
        lua_rawset(pointer, table)
    }
}
