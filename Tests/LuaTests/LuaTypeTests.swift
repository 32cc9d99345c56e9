import Lua
import Testing

@Suite struct LuaTypeTests {
    @Test func namesAreLuas() {
        #expect(LuaType.nil.name == "nil")
        #expect(LuaType.none.name == "no value")
        #expect(LuaType.boolean.name == "boolean")
        #expect(LuaType.lightUserdata.name == "userdata")
        #expect(LuaType.userdata.name == "userdata")
        #expect(LuaType.number.name == "number")
        #expect(LuaType.string.name == "string")
        #expect(LuaType.table.name == "table")
        #expect(LuaType.function.name == "function")
        #expect(LuaType.thread.name == "thread")
    }

    @Test func typeOfEveryKindOfValue() throws {
        let state = try makeState()
        try state.loadString(
            "return nil, true, 1, 'x', {}, print, io.stdout, coroutine.create(print)", chunkName: "=t")
        try state.call(arguments: 0, results: 8)
        let types = (1...8).map { state.type(at: Int32($0)) }
        #expect(types == [.nil, .boolean, .number, .string, .table, .function, .userdata, .thread])
        #expect(state.type(at: 9) == .none)
    }
}
