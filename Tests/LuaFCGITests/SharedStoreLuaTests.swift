import Lua
import Testing

@testable import LuaFCGI

/// A state like a script's as far as the store goes: the `luafcgid` module in
/// `package.preload` and a context holding `store`; the module is the global `lf`.
private func makeState(store: SharedStore) throws -> LuaState {
    let state = try LuaState()
    let context = ScriptStateContext(shared: store)
    state.context = context
    state.openStandardLibraries()
    LuafcgidModule.install(in: state)
    try state.run("lf = require 'luafcgid'", chunkName: "=setup")
    return state
}

/// Runs `source`, whose `assert`s fail the test through the thrown error.
private func check(_ state: LuaState, _ source: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: Never.self, sourceLocation: sourceLocation) { try state.run(source, chunkName: "=check") }
}

@Suite struct SharedStoreLuaTests {
    @Test func valuesRoundTripWithTheirTypes() throws {
        let state = try makeState(store: SharedStore(capacityBytes: 1 << 20))
        check(state, """
            local s = lf.shared
            assert(s:set("i", 3) == true)
            assert(s:set("f", 3.0))
            assert(s:set("s", "a\\0b"))
            assert(s:set("t", true)); assert(s:set("no", false))
            assert(math.type(s:get("i")) == "integer" and s:get("i") == 3)
            assert(math.type(s:get("f")) == "float" and s:get("f") == 3.0)
            assert(s:get("s") == "a\\0b" and #s:get("s") == 3)
            assert(s:get("t") == true and s:get("no") == false)
            assert(s:get("missing") == nil)
            assert(s:get("k\\0ey") == nil); s:set("k\\0ey", 1); assert(s:get("k\\0ey") == 1 and s:get("k") == nil)
            assert(s:set("i", nil) and s:get("i") == nil)
            assert(s:delete("f") == true and s:delete("f") == false)
            local keys = s:keys(); table.sort(keys)
            assert(#keys == 4 and keys[1] == "k\\0ey" and keys[2] == "no" and keys[3] == "s" and keys[4] == "t")
            assert(tostring(s):match("^luafcgid.shared %(4 entries, %d+ of 1048576 bytes%)$"), tostring(s))
            """)
    }

    @Test func addAndIncr() throws {
        let state = try makeState(store: SharedStore(capacityBytes: 1 << 20))
        check(state, """
            local s = lf.shared
            assert(s:add("a", 1) == true and s:add("a", 2) == false and s:get("a") == 1)
            local v, e = s:incr("n", 1); assert(v == nil and e == "not found")
            assert(s:incr("n", 1, 0) == 1 and math.type(s:incr("n", 2)) == "integer" and s:get("n") == 3)
            assert(math.type(s:incr("n", 0.5)) == "float" and s:get("n") == 3.5)
            s:set("m", math.maxinteger)
            v, e = s:incr("m", 1); assert(v == nil and e == "integer overflow", e)
            s:set("str", "x")
            v, e = s:incr("str", 1); assert(v == nil and e == "not a number")
            """)
    }

    @Test func tooLargeIsAnOutcome() throws {
        let state = try makeState(store: SharedStore(capacityBytes: 200))
        check(state, """
            local ok, e = lf.shared:set("big", string.rep("x", 200))
            assert(ok == nil and e:match("^too large"), e)
            assert(lf.shared:add("big", string.rep("x", 200)) == nil)
            """)
    }

    @Test func argumentErrorsRaise() throws {
        let state = try makeState(store: SharedStore(capacityBytes: 1 << 20))
        check(state, """
            local s = lf.shared
            local function fails(pattern, f, ...)
              local ok, e = pcall(f, ...)
              assert(not ok and tostring(e):match(pattern), tostring(e))
            end
            fails("shared:get: the key must be a string %(got number%)", s.get, s, 1)
            fails("shared:set: the value must be a string, number or boolean %(got table%)", s.set, s, "k", {})
            fails("shared:set: the ttl must be a number of seconds, 0 or more", s.set, s, "k", 1, -1)
            fails("shared:set: the ttl must be a number of seconds, 0 or more", s.set, s, "k", 1, 0/0)
            fails("shared:set: the ttl must be a number of seconds %(got string%)", s.set, s, "k", 1, "5")
            fails("shared:add: the value must be", s.add, s, "k", nil)
            fails("shared:incr: the increment must be a number %(got string%)", s.incr, s, "k", "1")
            fails("shared:incr: the initial value must be a number", s.incr, s, "k", 1, "0")
            fails("shared:get: call it as shared:get", s.get, "k")
            fails("shared:keys: call it as shared:keys", s.keys)
            assert(s:set("k", 1, 0) and s:get("k") == 1)  -- ttl 0: no expiry
            assert(getmetatable(s) == "luafcgid.shared")
            """)
    }

    @Test func everyStateSeesTheOneStore() throws {
        let clock = ManualClock()
        let store = SharedStore(capacityBytes: 1 << 20, clock: { clock.now })
        let first = try makeState(store: store), second = try makeState(store: store)
        check(first, "assert(lf.shared:set('greeting', 'hello', 2))")
        check(second, "assert(lf.shared:get('greeting') == 'hello')")
        clock.advance(by: .seconds(2))
        check(second, "assert(lf.shared:get('greeting') == nil and #lf.shared:keys() == 0)")
        #expect(store.statistics.expirations == 1)
    }
}
