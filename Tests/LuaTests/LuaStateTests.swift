import Lua
import Testing

@Suite struct LuaStateTests {
    @Test func newStateIsEmpty() throws {
        let state = try LuaState()
        #expect(state.top == 0)
        #expect(state.getGlobal("print") == .nil)
        state.pop()
        #expect(state.memoryInUse > 0)
        #expect(!state.isSpent)
        #expect(state.context == nil)
    }

    @Test func standardLibrariesOpen() throws {
        let state = try makeState()
        #expect(state.top == 0)
        #expect(try state.evaluate("string.format('%d-%s', math.max(1, 2), type(io.write))") == "2-function")
        #expect(try state.evaluate("_VERSION") == "Lua 5.4")
    }

    @Test func statesAreIsolated() throws {
        let a = try makeState()
        let b = try makeState()
        try a.run("shared = 'a'", chunkName: "=a")
        #expect(try b.evaluate("tostring(shared)") == "nil")
    }

    @Test func currentFindsTheWrapper() throws {
        let state = try LuaState()
        #expect(LuaState.current(state.pointer) === state)
    }

    // MARK: Memory

    @Test func memoryInUseGrowsAndShrinks() throws {
        let state = try makeState()
        state.collectGarbage()
        let before = state.memoryInUse
        try state.run("big = {} for i = 1, 100000 do big[i] = i * 0.5 end", chunkName: "=t")
        let grown = state.memoryInUse
        #expect(grown > before + 1_000_000, "before \(before), grown \(grown)")
        try state.run("big = nil", chunkName: "=t")
        state.collectGarbage()
        #expect(state.memoryInUse < before + 100_000, "before \(before), after \(state.memoryInUse)")
        #expect(!state.isSpent)
    }

    @Test func manyStatesCreatedAndClosed() throws {
        for _ in 0..<200 {
            let state = try makeState(memoryLimit: 4 << 20)
            try state.run("x = {} for i = 1, 100 do x[i] = i end", chunkName: "=t")
        }
    }
}
