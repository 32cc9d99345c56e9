import Lua

/// `require("luafcgid").shared` (SPEC §4.3): a userdata whose methods reach the
/// process's `SharedStore` through the state's `ScriptStateContext`.
///
/// The metatable is made the first time a state requires the module, so a
/// request whose script does not use the store pays nothing. Argument errors (a
/// key that is not a string, a table value, a bad ttl) raise; outcomes (too
/// large, not found, not a number) return `nil, message`. Like every Swift
/// function called from Lua, the methods raise only by returning `lua.raise(...)`.
enum SharedStoreObject {
    static let metatableName = "luafcgid.shared"

    /// Pushes the store object (creating its metatable in this state if needed).
    static func push(in lua: LuaState) {
        _ = lua.newUserdata(size: 0)
        if lua.pushMetatable(named: metatableName) {
            lua.newTable(recordCount: Int32(methods.count))
            for (name, function) in methods {
                lua.push(function: function)
                lua.rawSet(table: -2, key: name)
            }
            lua.rawSet(table: -2, key: "__index")
            lua.push(function: toString)
            lua.rawSet(table: -2, key: "__tostring")
            lua.push(metatableName)
            lua.rawSet(table: -2, key: "__metatable")
        }
        lua.setMetatable(of: -2)
    }

    private static let methods: [(String, LuaFunction)] = [
        ("get", get), ("set", set), ("add", add), ("incr", incr), ("delete", delete), ("keys", keys),
    ]

    private struct ArgumentError: Error {
        let message: String
    }

    /// Runs `body` with the store and the key (argument 2), turning an argument error into a raise.
    private static func withKey(
        _ L: OpaquePointer?, method: String, _ body: (LuaState, SharedStore, [UInt8]) throws(ArgumentError) -> Int32
    ) -> Int32 {
        let lua = LuaState.current(L!)
        guard lua.userdata(at: 1, metatable: metatableName) != nil else {
            return lua.raise("shared:\(method): call it as shared:\(method)(...)")
        }
        guard let store = (lua.context as? ScriptStateContext)?.shared else {
            return lua.raise("shared:\(method): this state has no shared store")
        }
        guard let key = lua.withStringBytes(at: 2, { Array($0) }) else {
            return lua.raise("shared:\(method): the key must be a string (got \(lua.type(at: 2).name))")
        }
        do throws(ArgumentError) {
            return try body(lua, store, key)
        } catch {
            return lua.raise("shared:\(method): \(error.message)")
        }
    }

    /// The value at `index`: a string, number or boolean; nil for nil (or none).
    private static func value(_ lua: LuaState, at index: Int32, name: String) throws(ArgumentError) -> SharedValue? {
        switch lua.type(at: index) {
        case .none, .nil: return nil
        case .string: return .string(lua.withStringBytes(at: index) { Array($0) } ?? [])
        case .number: return lua.isInteger(at: index) ? .integer(lua.integer(at: index)!) : .float(lua.number(at: index)!)
        case .boolean: return .boolean(lua.boolean(at: index)!)
        case let type: throw ArgumentError(message: "the \(name) must be a string, number or boolean (got \(type.name))")
        }
    }

    /// The number at `index`, or nil for nil (or none).
    private static func number(_ lua: LuaState, at index: Int32, name: String) throws(ArgumentError) -> SharedValue? {
        switch lua.type(at: index) {
        case .none, .nil: return nil
        case .number: return try value(lua, at: index, name: name)
        case let type: throw ArgumentError(message: "the \(name) must be a number (got \(type.name))")
        }
    }

    /// The time to live at `index` in seconds: nil, none or 0 for none; negative or NaN is an error.
    private static func ttl(_ lua: LuaState, at index: Int32) throws(ArgumentError) -> Duration? {
        switch lua.type(at: index) {
        case .none, .nil: return nil
        case .number:
            let seconds = lua.number(at: index)!
            guard seconds >= 0, seconds.isFinite else {
                throw ArgumentError(message: "the ttl must be a number of seconds, 0 or more (got \(seconds))")
            }
            return seconds == 0 ? nil : .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
        case let type: throw ArgumentError(message: "the ttl must be a number of seconds (got \(type.name))")
        }
    }

    private static func push(_ value: SharedValue, in lua: LuaState) {
        switch value {
        case .string(let bytes): bytes.withUnsafeBytes { lua.push(bytes: $0) }
        case .integer(let integer): lua.push(integer)
        case .float(let float): lua.push(float)
        case .boolean(let boolean): lua.push(boolean)
        }
    }

    /// `nil, message` for an outcome.
    private static func fail(_ error: SharedStoreError, in lua: LuaState) -> Int32 {
        lua.pushNil()
        lua.push(error.description)
        return 2
    }

    // MARK: Methods

    /// `shared:get(k)` → the value, or nil.
    private static let get: LuaFunction = { L in
        withKey(L, method: "get") { lua, store, key in
            if let value = store.get(key) { push(value, in: lua) } else { lua.pushNil() }
            return 1
        }
    }

    /// `shared:set(k, v [, ttl])` → true, or nil and "too large ..."; `v` nil deletes.
    private static let set: LuaFunction = { L in
        withKey(L, method: "set") { (lua, store, key) throws(ArgumentError) -> Int32 in
            let value = try value(lua, at: 3, name: "value")
            let ttl = try ttl(lua, at: 4)
            do throws(SharedStoreError) {
                try store.set(key, value, ttl: ttl)
            } catch {
                return fail(error, in: lua)
            }
            lua.push(true)
            return 1
        }
    }

    /// `shared:add(k, v [, ttl])` → true if stored, false if the key has a live value.
    private static let add: LuaFunction = { L in
        withKey(L, method: "add") { (lua, store, key) throws(ArgumentError) -> Int32 in
            guard let value = try value(lua, at: 3, name: "value") else {
                throw ArgumentError(message: "the value must be a string, number or boolean (got nil)")
            }
            let ttl = try ttl(lua, at: 4)
            do throws(SharedStoreError) {
                lua.push(try store.add(key, value, ttl: ttl))
            } catch {
                return fail(error, in: lua)
            }
            return 1
        }
    }

    /// `shared:incr(k, n [, init [, ttl]])` → the new value, or nil and a message.
    private static let incr: LuaFunction = { L in
        withKey(L, method: "incr") { (lua, store, key) throws(ArgumentError) -> Int32 in
            guard let delta = try number(lua, at: 3, name: "increment") else {
                throw ArgumentError(message: "the increment must be a number (got nil)")
            }
            let initial = try number(lua, at: 4, name: "initial value")
            let ttl = try ttl(lua, at: 5)
            do throws(SharedStoreError) {
                push(try store.incr(key, by: delta, initial: initial, ttl: ttl), in: lua)
            } catch {
                return fail(error, in: lua)
            }
            return 1
        }
    }

    /// `shared:delete(k)` → whether the key had a live value.
    private static let delete: LuaFunction = { L in
        withKey(L, method: "delete") { lua, store, key in
            lua.push(store.delete(key))
            return 1
        }
    }

    /// `shared:keys()` → an array of the live keys, in no particular order.
    private static let keys: LuaFunction = { L in
        let lua = LuaState.current(L!)
        guard lua.userdata(at: 1, metatable: metatableName) != nil else {
            return lua.raise("shared:keys: call it as shared:keys()")
        }
        guard let store = (lua.context as? ScriptStateContext)?.shared else {
            return lua.raise("shared:keys: this state has no shared store")
        }
        let keys = store.keys()
        lua.newTable(arrayCount: Int32(clamping: keys.count))
        for (position, key) in keys.enumerated() {
            key.withUnsafeBytes { lua.push(bytes: $0) }
            lua.rawSet(table: -2, index: position + 1)
        }
        return 1
    }

    /// `tostring(shared)` → "luafcgid.shared (N entries, B of C bytes)".
    private static let toString: LuaFunction = { L in
        let lua = LuaState.current(L!)
        if let numbers = (lua.context as? ScriptStateContext)?.shared.statistics {
            lua.push("luafcgid.shared (\(numbers.entries) entries, \(numbers.bytes) of \(numbers.capacity) bytes)")
        } else {
            lua.push(metatableName)
        }
        return 1
    }
}
