import Foundation
import Lua
import Testing

// Swift functions for Lua: `@convention(c)`, so they capture nothing and find
// their state through `LuaState.current`.

/// add(a, b) → a + b, or a raised error when either is not an integer.
private let add: LuaFunction = { L in
    let state = LuaState.current(L!)
    guard let a = state.integer(at: 1), let b = state.integer(at: 2) else {
        return state.raise("add: integers expected")
    }
    state.push(a + b)
    return 1
}

/// fail() raises "msg".
private let fail: LuaFunction = { L in
    LuaState.current(L!).raise("msg")
}

/// echo(...) → its arguments as strings, joined by ",", plus their count.
private let echo: LuaFunction = { L in
    let state = LuaState.current(L!)
    let count = state.top
    let parts = count > 0 ? (1...count).map { state.string(at: $0) ?? state.type(at: $0).name } : []
    state.push(parts.joined(separator: ","))
    state.push(Int(count))
    return 2
}

/// Returns its upvalues 1 and 2.
private let upvalues: LuaFunction = { L in
    let state = LuaState.current(L!)
    state.pushValue(at: LuaState.upvalueIndex(1))
    state.pushValue(at: LuaState.upvalueIndex(2))
    return 2
}

/// Records the state it runs in (in the `Recorder` context) and the string argument 1.
private let record: LuaFunction = { L in
    let state = LuaState.current(L!)
    guard let recorder = state.context as? Recorder else { return state.raise("no recorder") }
    recorder.states.append(ObjectIdentifier(state))
    recorder.strings.append(state.string(at: 1) ?? "-")
    return 0
}

/// callback(f, x) → f(x) called from Swift in protected mode, or f's error raised again.
private let callback: LuaFunction = { L in
    let state = LuaState.current(L!)
    state.pushValue(at: 1)
    state.pushValue(at: 2)
    do {
        try state.call(arguments: 1, results: 1)
        return 1
    } catch {
        return state.raise("callback failed: \(error)")
    }
}

/// many() → 5000 results.
private let many: LuaFunction = { L in
    let state = LuaState.current(L!)
    for i in 1...5000 { state.push(i) }
    return 5000
}

@Suite struct LuaStateCallsTests {
    // MARK: Loading

    @Test func loadStringAndCallWithArgumentsAndResults() throws {
        let state = try makeState()
        try state.loadString("local a, b = ... return a + b, a * b", chunkName: "=t")
        state.push(3)
        state.push(4)
        try state.call(arguments: 2, results: 2)
        #expect(state.top == 2)
        #expect(state.integer(at: 1) == 7)
        #expect(state.integer(at: 2) == 12)
        state.pop(2)
    }

    @Test func callWithAllResults() throws {
        let state = try makeState()
        state.push("sentinel")
        try state.loadString("return 1, 2, 3", chunkName: "=t")
        try state.call(arguments: 0, results: -1)  // LUA_MULTRET
        #expect(state.top == 4)
        #expect(state.integer(at: 4) == 3)
    }

    @Test func loadStringSyntaxError() throws {
        let state = try makeState()
        state.push("sentinel")
        #expect(throws: LuaError.self) { try state.loadString("x = = 1", chunkName: "=chunk") }
        do {
            try state.loadString("local x = 1\nx = = 1", chunkName: "=chunk")
            Issue.record("expected a syntax error")
        } catch {
            guard case .syntax(let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.hasPrefix("chunk:2:"), "\(message)")
        }
        #expect(state.top == 1)
    }

    @Test func loadStringRejectsBinaryChunks() throws {
        let state = try makeState()
        do {
            try state.loadString("\u{1B}Lua\u{54}", chunkName: "=bin")
            Issue.record("a binary chunk was accepted")
        } catch {
            guard case .syntax(let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("binary"), "\(message)")
        }
        #expect(state.top == 0)
    }

    @Test func loadBytesTakesTextAndPrecompiledChunksAsTheModeAllows() throws {
        let state = try makeState()
        try state.run("dumped = string.dump(function() return 'dumped' end)", chunkName: "=t")
        _ = state.getGlobal("dumped")
        let binary = try #require(state.withStringBytes(at: -1) { Array($0) })
        state.pop()
        let text = Array("return 'text'".utf8)
        for (bytes, mode, result) in [(text, LuaState.ChunkMode.text, "text"), (binary, .binary, "dumped"),
                                      (text, .textOrBinary, "text"), (binary, .textOrBinary, "dumped")] {
            try bytes.withUnsafeBytes { try state.load($0, chunkName: "=t", mode: mode) }
            try state.call(arguments: 0, results: 1)
            #expect(state.string(at: -1) == result)
            state.pop()
        }
        for (bytes, mode) in [(binary, LuaState.ChunkMode.text), (text, .binary)] {
            let error = #expect(throws: LuaError.self) {
                try bytes.withUnsafeBytes { try state.load($0, chunkName: "=t", mode: mode) }
            }
            guard case .syntax(let message) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(message.contains("attempt to load a"), "\(message)")
        }
        #expect(state.top == 0)
    }

    @Test func loadBytesTakesTheBytesAsTheyAreWithTheChunkName() throws {
        let state = try makeState()
        let error = #expect(throws: LuaError.self) {
            try Array("#!/usr/bin/lua\nreturn 1".utf8).withUnsafeBytes { try state.load($0, chunkName: "@page.lua", mode: .text) }
        }
        guard case .syntax(let message) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message.hasPrefix("page.lua:1:"), "\(message)")
        try state.load(UnsafeRawBufferPointer(start: nil, count: 0), chunkName: "=empty", mode: .text)
        try state.call(arguments: 0, results: 0)
        #expect(state.top == 0)
    }

    @Test func loadFileRunsWithPathChunkName() throws {
        let path = try temporaryFile("x = 1\nlocal t = nil\nreturn t.field\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try makeState()
        try state.loadFile(path)
        #expect(state.type(at: -1) == .function)
        let error = #expect(throws: LuaError.self) { try state.call(arguments: 0, results: 0) }
        guard case .runtime(let message, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message.hasPrefix("\(path):3:"), "\(message)")
        #expect(state.top == 0)
    }

    @Test func loadFileSyntaxErrorNamesPathAndLine() throws {
        let path = try temporaryFile("local a = 1\nlocal b = = 2\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try makeState()
        let error = #expect(throws: LuaError.self) { try state.loadFile(path) }
        guard case .syntax(let message) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message.hasPrefix("\(path):2:"), "\(message)")
        #expect(state.top == 0)
    }

    @Test func loadFileMissing() throws {
        let state = try makeState()
        let error = #expect(throws: LuaError.self) { try state.loadFile("/nonexistent/dir/script.lua") }
        guard case .file(let message) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message.contains("/nonexistent/dir/script.lua"), "\(message)")
        #expect(state.top == 0)
    }

    @Test func loadFileOfADirectory() throws {
        let state = try makeState()
        let error = #expect(throws: LuaError.self) { try state.loadFile(NSTemporaryDirectory()) }
        guard case .file = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(state.top == 0)
    }

    // MARK: Errors from Lua code

    @Test func errorWithMessageHasTraceback() throws {
        let state = try makeState()
        state.push("sentinel")
        let error = state.runtimeError("local function f() error('x') end\nf()", chunkName: "=script")
        guard case .runtime(let message, let traceback) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message == "script:1: x")
        #expect(traceback.hasPrefix("stack traceback:"), "\(traceback)")
        #expect(traceback.contains("script:2"), "\(traceback)")
        #expect(error?.details.hasPrefix("script:1: x\nstack traceback:") == true)
        #expect(state.top == 1)
        #expect(state.string(at: 1) == "sentinel")
    }

    @Test(arguments: [
        ("error({})", "(error object is a table value)"),
        ("error()", "(error object is a nil value)"),
        ("error(nil)", "(error object is a nil value)"),
        ("error(true)", "(error object is a boolean value)"),
        ("error(42)", "42"),
        ("error(setmetatable({}, {__tostring = function() return 'custom' end}))", "custom"),
        ("error(setmetatable({}, {__tostring = function() return 1 end}))", "(error object is a table value)"),
        ("error('no position', 0)", "no position"),
    ])
    func errorValuesOfAnyKind(source: String, expected: String) throws {
        let state = try makeState()
        state.push("sentinel")
        let error = state.runtimeError(source)
        guard case .runtime(let message, let traceback) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message == expected)
        #expect(traceback.hasPrefix("stack traceback:"))
        #expect(state.top == 1)
        // The state is still usable.
        #expect(try state.evaluate("1 + 1") == "2")
    }

    @Test func errorObjectWhoseTostringFails() throws {
        let state = try makeState()
        let error = state.runtimeError("error(setmetatable({}, {__tostring = function() error('inner') end}))")
        guard case .runtime(let message, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(!message.isEmpty)
        #expect(state.top == 0)
        #expect(try state.evaluate("'alive'") == "alive")
    }

    @Test func callOfANonFunction() throws {
        let state = try makeState()
        state.push(12)
        let error = #expect(throws: LuaError.self) { try state.call(arguments: 0, results: 0) }
        guard case .runtime(let message, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message.contains("number"), "\(message)")
        #expect(state.top == 0)
    }

    @Test func stackOverflowIsAnError() throws {
        let state = try makeState()
        let error = state.runtimeError("local function f() return 1 + f() end f()")
        guard case .runtime(let message, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message.contains("stack overflow"), "\(message)")
        #expect(try state.evaluate("'alive'") == "alive")
    }

    @Test func stackIsBalancedAfterSuccessAndFailure() throws {
        let state = try makeState()
        state.push("a")
        state.push("b")
        for _ in 0..<100 {
            try state.run("local x = {} for i = 1, 10 do x[i] = i end", chunkName: "=ok")
            _ = state.runtimeError("error('no')")
            _ = state.runtimeError("error({})")
            #expect(throws: LuaError.self) { try state.run("(", chunkName: "=bad") }
        }
        #expect(state.top == 2)
        #expect(state.string(at: 2) == "b")
    }

    // MARK: Swift functions

    @Test func swiftFunctionReadsArgumentsAndPushesResults() throws {
        let state = try makeState()
        state.register("add", function: add)
        #expect(try state.evaluate("add(2, 40)") == "42")
        state.register("echo", function: echo)
        #expect(try state.evaluate("table.concat({echo(1, 'x', nil, true)}, ';')") == "1,x,nil,boolean;4")
        #expect(try state.evaluate("select('#', echo())") == "2")
    }

    @Test func swiftFunctionPushedAndCalledFromSwift() throws {
        let state = try makeState()
        state.push(function: add)
        #expect(state.type(at: -1) == .function)
        state.push(20)
        state.push(22)
        try state.call(arguments: 2, results: 1)
        #expect(state.integer(at: -1) == 42)
        state.pop()
    }

    @Test func swiftFunctionRaisesAnErrorSeenByPcall() throws {
        let state = try makeState()
        state.register("fail", function: fail)
        state.register("add", function: add)
        #expect(try state.evaluate("select(2, pcall(fail))") == "msg")
        #expect(try state.evaluate("tostring(pcall(fail))") == "false")
        #expect(try state.evaluate("select(2, pcall(add, 'a', {}))") == "add: integers expected")
        // Many raises in a row leak nothing on the stack and the state goes on working.
        try state.run("for i = 1, 10000 do assert(not pcall(fail)) end", chunkName: "=loop")
        #expect(state.top == 0)
    }

    @Test func swiftFunctionRaiseReachesSwiftCaller() throws {
        let state = try makeState()
        state.register("fail", function: fail)
        state.push("sentinel")
        let error = state.runtimeError("fail()")
        guard case .runtime(let message, let traceback) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(message == "msg")
        #expect(traceback.contains("fail"), "\(traceback)")
        #expect(state.top == 1)
    }

    /// Regression: a Swift function got Lua's minimum of 20 free slots and pushed past them.
    @Test func swiftFunctionPushingManyResultsCorruptedHeap() throws {
        let state = try makeState()
        state.register("many", function: many)
        #expect(try state.evaluate("select('#', many())") == "5000")
        #expect(try state.evaluate("select(5000, many())") == "5000")
    }

    @Test func callKeepingMoreResultsThanTheStackHolds() throws {
        let state = try makeState()
        try state.loadString("return 1", chunkName: "=t")
        try state.call(arguments: 0, results: 500)
        #expect(state.top == 500)
        #expect(state.integer(at: 1) == 1)
        #expect(state.type(at: 500) == .nil)
    }

    @Test func swiftFunctionUpvalues() throws {
        let state = try makeState()
        state.push("first")
        state.push(2)
        state.push(function: upvalues, upvalues: 2)
        #expect(state.top == 1)
        state.setGlobal("up")
        #expect(try state.evaluate("table.concat({up()}, ',')") == "first,2")
    }

    @Test func currentReturnsTheOwningWrapperAndItsContext() throws {
        let state = try makeState()
        let other = try makeState()
        let recorder = Recorder()
        state.context = recorder
        other.context = recorder
        state.register("record", function: record)
        other.register("record", function: record)
        try state.run("record('one')", chunkName: "=t")
        try other.run("record('two')", chunkName: "=t")
        try state.run("record('three')", chunkName: "=t")
        #expect(recorder.states == [ObjectIdentifier(state), ObjectIdentifier(other), ObjectIdentifier(state)])
        #expect(recorder.strings == ["one", "two", "three"])
        #expect(state.context === recorder)
        state.context = nil
        #expect(state.context == nil)
        #expect(try state.evaluate("select(2, pcall(record, 'x'))") == "no recorder")
    }

    @Test func swiftFunctionCallsBackIntoLua() throws {
        let state = try makeState()
        state.register("callback", function: callback)
        #expect(try state.evaluate("callback(function(x) return x * 2 end, 21)") == "42")
        let message = try state.evaluate("select(2, pcall(callback, function() error('deep', 0) end))")
        #expect(message?.hasPrefix("callback failed: Lua: deep") == true, "\(message ?? "nil")")
        #expect(state.top == 0)
    }

    /// Regression: a Swift function called from a coroutine read its arguments from,
    /// and pushed its results onto, the main thread's stack.
    @Test func swiftFunctionInCoroutineUsedMainThreadStack() throws {
        let state = try makeState()
        state.register("add", function: add)
        state.register("fail", function: fail)
        state.register("echo", function: echo)
        let source = """
            local co = coroutine.wrap(function(a)
              local s = add(a, 1)
              coroutine.yield(s)
              return echo('x', 'y')
            end)
            local first = co(41)
            local joined, count = co()
            local ok, message = coroutine.resume(coroutine.create(function() fail() end))
            return first .. ';' .. joined .. ';' .. count .. ';' .. tostring(ok) .. ';' .. message
            """
        try state.loadString(source, chunkName: "=co")
        try state.call(arguments: 0, results: 1)
        #expect(state.string(at: -1) == "42;x,y;2;false;msg")
        state.pop()
        #expect(state.top == 0)
    }
}

/// Writes `contents` to a new temporary file and returns its path.
func temporaryFile(_ contents: String) throws -> String {
    let path = NSTemporaryDirectory() + "luatests-\(UUID().uuidString).lua"
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
