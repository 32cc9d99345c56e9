import Lua
import Testing

@Suite struct LuaErrorTests {
    @Test func descriptionNamesTheLayer() {
        #expect(LuaError.syntax(message: "a.lua:1: oops").description == "Lua: a.lua:1: oops")
        #expect(LuaError.file(message: "cannot open a.lua").description == "Lua: cannot open a.lua")
        #expect(LuaError.runtime(message: "boom", traceback: "stack traceback:").description == "Lua: boom")
        #expect(LuaError.memory.description == "Lua: not enough memory")
        #expect(LuaError.stateCreation.description == "Lua: cannot create a state")
    }

    @Test func detailsAppendTheTraceback() {
        let error = LuaError.runtime(message: "boom", traceback: "stack traceback:\n\t[C]: in ?")
        #expect(error.details == "boom\nstack traceback:\n\t[C]: in ?")
        #expect(LuaError.runtime(message: "boom", traceback: "").details == "Lua: boom")
        #expect(LuaError.memory.details == "Lua: not enough memory")
    }
}
