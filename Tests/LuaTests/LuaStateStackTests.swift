import Lua
import Testing

@Suite struct LuaStateStackTests {
    // MARK: Push and read

    @Test func pushAndReadEveryType() throws {
        let state = try LuaState()
        state.pushNil()
        state.push(true)
        state.push(false)
        state.push(42)
        state.push(2.5)
        state.push("héllo")
        #expect(state.top == 6)
        #expect(state.type(at: 1) == .nil)
        #expect(state.boolean(at: 2) == true)
        #expect(state.boolean(at: 3) == false)
        #expect(state.integer(at: 4) == 42)
        #expect(state.number(at: 4) == 42)
        #expect(state.number(at: 5) == 2.5)
        #expect(state.string(at: 6) == "héllo")
        #expect(state.rawLength(at: 6) == 6)
    }

    @Test func readersRejectOtherTypes() throws {
        let state = try LuaState()
        state.pushNil()
        state.push("12")
        state.newTable()
        state.push(true)
        for index: Int32 in 1...4 {
            if index != 4 { #expect(state.boolean(at: index) == nil) }
            #expect(state.integer(at: index) == nil)
            #expect(state.number(at: index) == nil)
        }
        #expect(state.string(at: 1) == nil)
        #expect(state.string(at: 3) == nil)
        #expect(state.string(at: 4) == nil)
        #expect(state.string(at: 2) == "12")
        #expect(state.type(at: 2) == .string, "reading \"12\" as a number must not convert it")
    }

    @Test func integerOfAFloat() throws {
        let state = try LuaState()
        state.push(3.0)
        state.push(3.5)
        state.push(Double.nan)
        #expect(state.integer(at: 1) == 3)
        #expect(state.integer(at: 2) == nil)
        #expect(state.integer(at: 3) == nil)
        #expect(state.number(at: 3)?.isNaN == true)
    }

    @Test func extremeIntegers() throws {
        let state = try LuaState()
        state.push(Int.max)
        state.push(Int.min)
        #expect(state.integer(at: 1) == Int.max)
        #expect(state.integer(at: 2) == Int.min)
        #expect(state.string(at: 2) == "-9223372036854775808")
    }

    @Test func stringOfANumberDoesNotConvertTheSlot() throws {
        let state = try LuaState()
        state.push(7)
        state.push(0.5)
        #expect(state.string(at: 1) == "7")
        #expect(state.string(at: -1) == "0.5")
        #expect(state.type(at: 1) == .number)
        #expect(state.type(at: 2) == .number)
        #expect(state.integer(at: 1) == 7)
        #expect(state.top == 2)
    }

    @Test func stringsKeepEveryByte() throws {
        let state = try LuaState()
        let bytes: [UInt8] = Array(0...255)
        bytes.withUnsafeBytes { state.push(bytes: $0) }
        #expect(state.rawLength(at: -1) == 256)
        let read = state.withStringBytes(at: -1) { Array($0) }
        #expect(read == bytes)
        // Invalid UTF-8 is repaired when read as a String, never a crash.
        #expect(state.string(at: -1)?.unicodeScalars.contains("\u{FFFD}") == true)
        #expect(state.withStringBytes(at: 5) { _ in 1 } == nil)
    }

    @Test func stringWithNulAndEmptyString() throws {
        let state = try LuaState()
        state.push("a\0b")
        state.push("")
        #expect(state.rawLength(at: 1) == 3)
        #expect(state.string(at: 1) == "a\0b")
        #expect(state.string(at: 2) == "")
        #expect(state.withStringBytes(at: 2) { $0.count } == 0)
    }

    @Test func withStringBytesOnlyForStrings() throws {
        let state = try LuaState()
        state.push(12)
        #expect(state.withStringBytes(at: 1) { $0.count } == nil)
        #expect(state.type(at: 1) == .number)
    }

    /// Regression: pushes did not call `lua_checkstack`, so more than ~40 values
    /// pushed from Swift wrote past the stack and corrupted the heap.
    @Test func pushPastStackEndCorruptedHeap() throws {
        let state = try makeState()
        for i in 1...10_000 { state.push("value \(i)") }
        #expect(state.top == 10_000)
        state.top = 20_000
        #expect(state.type(at: 20_000) == .nil)
        #expect(state.string(at: 10_000) == "value 10000")
        #expect(try state.evaluate("'alive'") == "alive")
        state.top = 0
        #expect(state.ensureStack(100))
        #expect(!state.ensureStack(2_000_000))
    }

    @Test func topPopAndPushValue() throws {
        let state = try LuaState()
        #expect(state.top == 0)
        state.push(1)
        state.pushValue(at: 1)
        #expect(state.top == 2)
        #expect(state.integer(at: 2) == 1)
        state.top = 5
        #expect(state.type(at: 5) == .nil)
        state.pop(3)
        #expect(state.top == 2)
        state.pop()
        #expect(state.top == 1)
        state.top = 0
        #expect(state.top == 0)
    }

    // MARK: Tables

    @Test func rawSetAndGetByKeyAndIndex() throws {
        let state = try LuaState()
        state.newTable(arrayCount: 2, recordCount: 1)
        state.push("v")
        state.rawSet(table: -2, key: "k")
        state.push(10)
        state.rawSet(table: -2, index: 1)
        state.push(20)
        state.rawSet(table: 1, index: 2)
        #expect(state.top == 1)
        #expect(state.rawLength(at: 1) == 2)

        #expect(state.rawGet(table: -1, key: "k") == .string)
        #expect(state.string(at: -1) == "v")
        state.pop()
        #expect(state.rawGet(table: 1, index: 2) == .number)
        #expect(state.integer(at: -1) == 20)
        state.pop()
        #expect(state.rawGet(table: -1, key: "missing") == .nil)
        state.pop()
        #expect(state.rawGet(table: -1, index: 3) == .nil)
        state.pop()
        #expect(state.top == 1)
    }

    @Test func rawAccessIgnoresMetamethods() throws {
        let state = try makeState()
        try state.loadString(
            "return setmetatable({}, {__index = function() return 'meta' end, __newindex = function() error('no') end})",
            chunkName: "=t")
        try state.call(arguments: 0, results: 1)
        #expect(state.rawGet(table: -1, key: "x") == .nil)
        state.pop()
        state.push("set")
        state.rawSet(table: -2, key: "x")
        #expect(state.rawGet(table: -1, key: "x") == .string)
        #expect(state.string(at: -1) == "set")
        state.top = 0
    }

    @Test func forEachPairVisitsEveryPair() throws {
        let state = try makeState()
        try state.loadString("return {10, 20, 30, a = 'x', [2.5] = true}", chunkName: "=t")
        try state.call(arguments: 0, results: 1)
        var seen: [String: String] = [:]
        state.forEachPair(inTable: -1) {
            // Reading a number key as a string must not confuse lua_next.
            let key = state.string(at: -2) ?? "?"
            let value = state.string(at: -1) ?? state.type(at: -1).name
            seen[key] = value
            return true
        }
        #expect(seen == ["1": "10", "2": "20", "3": "30", "a": "x", "2.5": "boolean"])
        #expect(state.top == 1)
    }

    @Test func forEachPairStopsEarly() throws {
        let state = try makeState()
        try state.loadString("return {1, 2, 3, 4, 5}", chunkName: "=t")
        try state.call(arguments: 0, results: 1)
        state.push("below")
        state.pushValue(at: 1)
        var count = 0
        state.forEachPair(inTable: -1) {
            count += 1
            return count < 2
        }
        #expect(count == 2)
        #expect(state.top == 3)
        #expect(state.string(at: 2) == "below")
    }

    @Test func forEachPairOnEmptyTable() throws {
        let state = try LuaState()
        state.newTable()
        var count = 0
        state.forEachPair(inTable: 1) { count += 1; return true }
        #expect(count == 0)
        #expect(state.top == 1)
    }

    struct Stop: Error {}

    /// Regression: when the body threw, the key and value stayed on the stack.
    @Test func forEachPairLeftKeyAndValueWhenBodyThrew() throws {
        let state = try makeState()
        try state.loadString("return {1, 2, 3}", chunkName: "=t")
        try state.call(arguments: 0, results: 1)
        #expect(throws: Stop.self) {
            try state.forEachPair(inTable: -1) { throw Stop() }
        }
        #expect(state.top == 1)
        #expect(state.type(at: 1) == .table)
    }

    // MARK: Globals

    @Test func globalsRoundTrip() throws {
        let state = try makeState()
        state.push("value")
        state.setGlobal("answer")
        #expect(state.top == 0)
        #expect(try state.evaluate("answer") == "value")
        #expect(state.getGlobal("answer") == .string)
        #expect(state.string(at: -1) == "value")
        state.pop()
        #expect(state.getGlobal("nothing") == .nil)
        state.pop()
        #expect(state.getGlobal("print") == .function)
        state.pop()
        #expect(state.top == 0)
    }

    @Test func globalsSetFromLuaAreSeen() throws {
        let state = try makeState()
        try state.run("x = 41 + 1", chunkName: "=t")
        #expect(state.getGlobal("x") == .number)
        #expect(state.integer(at: -1) == 42)
        state.pop()
    }

    @Test func globalsAreRaw() throws {
        let state = try makeState()
        try state.run(
            "setmetatable(_G, {__index = function() return 'meta' end, __newindex = function() error('strict') end})",
            chunkName: "=t")
        #expect(state.getGlobal("undefined") == .nil)
        state.pop()
        state.push(1)
        state.setGlobal("undefined")
        #expect(try state.evaluate("rawget(_G, 'undefined')") == "1")
    }

    // MARK: References

    @Test func referencesKeepValuesAlive() throws {
        let state = try makeState()
        try state.loadString("return {name = 'kept'}", chunkName: "=t")
        try state.call(arguments: 0, results: 1)
        let reference = state.makeReference()
        #expect(state.top == 0)
        state.collectGarbage()
        state.pushReference(reference)
        #expect(state.type(at: -1) == .table)
        #expect(state.rawGet(table: -1, key: "name") == .string)
        #expect(state.string(at: -1) == "kept")
        state.pop(2)

        state.push("second")
        let second = state.makeReference()
        #expect(second != reference)
        state.pushReference(second)
        #expect(state.string(at: -1) == "second")
        state.pop()
    }

    @Test func referenceToNil() throws {
        let state = try LuaState()
        state.pushNil()
        let reference = state.makeReference()
        #expect(state.top == 0)
        state.pushReference(reference)
        #expect(state.type(at: -1) == .nil)
        state.pop()
    }

    @Test func releasedReferenceIsReused() throws {
        let state = try LuaState()
        state.push("a")
        let reference = state.makeReference()
        state.releaseReference(reference)
        state.push("b")
        #expect(state.makeReference() == reference)
        state.pushReference(reference)
        #expect(state.string(at: -1) == "b")
        state.pop()
    }
}
