import Lua
import Testing

/// big() pushes a 4 MiB string built in Swift.
private let big: LuaFunction = { L in
    let state = LuaState.current(L!)
    state.push(String(repeating: "x", count: 4 << 20))
    return 1
}

/// Records its call in the `Recorder` context, if any; used as a finalizer.
private let finalized: LuaFunction = { L in
    let state = LuaState.current(L!)
    (state.context as? Recorder)?.strings.append("finalized")
    return 0
}

@Suite struct LuaStateTests {
    @Test func newStateIsEmpty() throws {
        let state = try LuaState()
        #expect(state.top == 0)
        #expect(state.getGlobal("print") == .nil)
        state.pop()
        #expect(state.memoryInUse > 0)
        #expect(!state.exceededMemoryLimit)
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
        #expect(!state.exceededMemoryLimit)
    }

    @Test(arguments: [
        "local t = {} for i = 1, 1e8 do t[i] = i end",
        "local s = string.rep('x', 64 * 1024 * 1024)",
        "local s = 'x' for i = 1, 40 do s = s .. s end",
        "local t = {} for i = 1, 1e7 do t[#t + 1] = tostring(i) end",
    ])
    func memoryLimitStopsLuaCode(source: String) throws {
        let recorder = Recorder()
        do {
            let state = try makeState(memoryLimit: 2 << 20)
            state.context = recorder
            #expect(!state.exceededMemoryLimit)
            state.push("sentinel")
            let error = state.runtimeError(source)
            switch error {
            case .memory?: break
            case .runtime(let message, _)?: #expect(message.contains("not enough memory"), "\(message)")
            default: Issue.record("got \(String(describing: error))")
            }
            #expect(state.exceededMemoryLimit)
            #expect(state.top == 1)
            #expect(state.memoryInUse <= 2 << 20)
            // A finalizer still runs when the state is closed.
            state.push(function: finalized)
            _ = state.pushMetatable(named: "Finalized")
            state.pushValue(at: -2)
            state.rawSet(table: -2, key: "__gc")
            state.pop()
            _ = state.newUserdata(size: 8)
            _ = state.pushMetatable(named: "Finalized")
            state.setMetatable(of: -2)
            state.setGlobal("object")
            state.pop()
        }
        #expect(recorder.strings == ["finalized"])
    }

    @Test func memoryLimitAllowsSmallWork() throws {
        let state = try makeState(memoryLimit: 2 << 20)
        try state.run("local t = {} for i = 1, 1000 do t[i] = tostring(i) end", chunkName: "=t")
        #expect(!state.exceededMemoryLimit)
    }

    @Test func swiftAllocationsPastTheLimitNeverFailButAreNoticed() throws {
        let state = try makeState(memoryLimit: 2 << 20)
        // Pushed from Swift: must not fail (a failure would longjmp across Swift).
        state.push(String(repeating: "y", count: 3 << 20))
        #expect(state.exceededMemoryLimit)
        #expect(state.memoryInUse > 2 << 20)
        #expect(state.rawLength(at: -1) == 3 << 20)
        state.pop()
        state.collectGarbage()
    }

    @Test func swiftFunctionAllocatingPastTheLimitRaisesAfterReturning() throws {
        let state = try makeState(memoryLimit: 2 << 20)
        state.register("big", function: big)
        let message = try state.evaluate("select(2, pcall(big))")
        #expect(message?.contains("not enough memory") == true, "\(message ?? "nil")")
        #expect(state.exceededMemoryLimit)
        #expect(state.top == 0)
    }

    @Test func tinyMemoryLimitStillCreatesAState() throws {
        let state = try makeState(memoryLimit: 1)
        #expect(state.exceededMemoryLimit)
        _ = state.runtimeError("local t = {}")
    }

    @Test func manyStatesCreatedAndClosed() throws {
        for _ in 0..<200 {
            let state = try makeState(memoryLimit: 4 << 20)
            try state.run("x = {} for i = 1, 100 do x[i] = i end", chunkName: "=t")
        }
    }
}
