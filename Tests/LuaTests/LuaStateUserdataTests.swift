import Lua
import Testing

/// counter:get() → the Int stored in a "Counter" userdata, or a raised error for anything else.
private let counterGet: LuaFunction = { L in
    let state = LuaState.current(L!)
    guard let memory = state.userdata(at: 1, metatable: "Counter") else {
        return state.raise("Counter expected, got \(state.type(at: 1).name)")
    }
    state.push(memory.load(as: Int.self))
    return 1
}

/// counter:bump() adds one.
private let counterBump: LuaFunction = { L in
    let state = LuaState.current(L!)
    guard let memory = state.userdata(at: 1, metatable: "Counter") else { return state.raise("Counter expected") }
    memory.storeBytes(of: memory.load(as: Int.self) + 1, as: Int.self)
    return 0
}

/// Counter's finalizer: notes it in the `Recorder` context.
private let counterGC: LuaFunction = { L in
    let state = LuaState.current(L!)
    if let memory = state.userdata(at: 1, metatable: "Counter") {
        (state.context as? Recorder)?.strings.append("gc \(memory.load(as: Int.self))")
    }
    return 0
}

extension LuaState {
    /// Pushes a Counter holding `value`, creating its metatable on first use.
    fileprivate func pushCounter(_ value: Int) {
        let memory = newUserdata(size: MemoryLayout<Int>.size)
        memory.storeBytes(of: value, as: Int.self)
        if pushMetatable(named: "Counter") {
            newTable()
            push(function: counterGet)
            rawSet(table: -2, key: "get")
            push(function: counterBump)
            rawSet(table: -2, key: "bump")
            rawSet(table: -2, key: "__index")
            push(function: counterGC)
            rawSet(table: -2, key: "__gc")
        }
        setMetatable(of: -2)
    }
}

@Suite struct LuaStateUserdataTests {
    @Test func namedMetatableIsCreatedOnce() throws {
        let state = try makeState()
        #expect(state.pushMetatable(named: "Thing"))
        #expect(!state.pushMetatable(named: "Thing"))
        #expect(state.top == 2)
        #expect(state.rawGet(table: 1, key: "__name") == .string)
        #expect(state.string(at: -1) == "Thing")
        state.top = 0
    }

    @Test func userdataWithMetatable() throws {
        let state = try makeState()
        state.pushCounter(41)
        #expect(state.type(at: -1) == .userdata)
        let memory = try #require(state.userdata(at: -1, metatable: "Counter"))
        #expect(memory.load(as: Int.self) == 41)
        #expect(state.userdata(at: -1, metatable: "Other") == nil)
        state.setGlobal("c")
        try state.run("c:bump()", chunkName: "=t")
        #expect(try state.evaluate("c:get()") == "42")
        #expect(memory.load(as: Int.self) == 42)
        #expect(try state.evaluate("tostring(tostring(c):match('^Counter: ') ~= nil)") == "true")
    }

    @Test func userdataCheckRejectsOtherValues() throws {
        let state = try makeState()
        _ = state.pushMetatable(named: "Other")
        _ = state.newUserdata(size: 4)
        _ = state.pushMetatable(named: "Other")
        state.setMetatable(of: -2)
        _ = state.newUserdata(size: 4)  // no metatable
        state.newTable()
        state.push("Counter")
        state.pushNil()
        for index: Int32 in 2...6 {
            #expect(state.userdata(at: index, metatable: "Counter") == nil)
        }
        #expect(state.userdata(at: 2, metatable: "Other") != nil)
        #expect(state.userdata(at: 10, metatable: "Other") == nil)
        state.top = 0
    }

    @Test func methodOnTheWrongObjectRaises() throws {
        let state = try makeState()
        state.pushCounter(1)
        state.setGlobal("c")
        #expect(try state.evaluate("select(2, pcall(c.get, {}))") == "Counter expected, got table")
        #expect(try state.evaluate("select(2, pcall(c.get))") == "Counter expected, got no value")
        #expect(try state.evaluate("select(2, pcall(c.get, io.stdout))") == "Counter expected, got userdata")
    }

    @Test func finalizerIsASwiftFunction() throws {
        let recorder = Recorder()
        do {
            let state = try makeState()
            state.context = recorder
            state.pushCounter(7)
            state.pop()
            state.collectGarbage()
            #expect(recorder.strings == ["gc 7"])
            state.pushCounter(8)
            state.setGlobal("kept")
        }
        // Closing the state runs the remaining finalizers.
        #expect(recorder.strings == ["gc 7", "gc 8"])
    }
}
