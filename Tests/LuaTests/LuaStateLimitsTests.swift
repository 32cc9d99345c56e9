import Foundation
import Lua
import Testing

/// big() returns a 4 MiB string built in Swift.
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

/// A state with the standard libraries and limits.
private func makeLimitedState(memoryLimit: Int = 0) throws -> LuaState {
    let state = try LuaState(memoryLimit: memoryLimit, timeLimited: true)
    state.openStandardLibraries()
    return state
}

/// Seconds `body` took.
private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

@Suite struct LuaStateMemoryLimitTests {
    @Test(arguments: [
        "local t = {} for i = 1, 1e8 do t[i] = i end",
        "local s = string.rep('x', 64 * 1024 * 1024)",
        "local s = string.rep('x', 2^30)",
        "local s = 'x' for i = 1, 40 do s = s .. s end",
        "local t = {} for i = 1, 1e7 do t[#t + 1] = tostring(i) end",
        "local function deeper(n) return 1 + deeper(n + 1) end deeper(1)",
        "collectgarbage('stop') local t = {} for i = 1, 1e7 do t[i] = {} end",
    ])
    func theCapStopsLuaCode(source: String) throws {
        let recorder = Recorder()
        do {
            let state = try makeLimitedState(memoryLimit: 2 << 20)
            state.context = recorder
            state.push("sentinel")
            #expect(state.runtimeError(source) == .memory)
            #expect(state.isSpent)
            #expect(state.reachedMemoryLimit)
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

    @Test func aScriptCannotCatchTheCapAndGoOn() throws {
        let state = try makeLimitedState(memoryLimit: 2 << 20)
        let error = state.runtimeError(
            """
            for round = 1, 1000 do
              pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end)
              caught = round
            end
            finished = true
            """)
        #expect(error == .memory)
        #expect(state.getGlobal("finished") == .nil)
        state.pop()
        // Another call on the spent state stops at once.
        #expect(state.runtimeError("x = 1") == .memory)
    }

    @Test func garbageUnderTheCapIsCollectedNotFatal() throws {
        let state = try makeLimitedState(memoryLimit: 4 << 20)
        // 100 MiB allocated in all, never more than 1 MiB alive: the heap fills with
        // garbage, an allocation is refused, Lua collects and retries, and goes on.
        try state.run("for i = 1, 100 do local s = string.rep('x', 1 << 20) .. i end done = true", chunkName: "=t")
        #expect(!state.isSpent)
        #expect(state.getGlobal("done") == .boolean)
    }

    @Test func aStoppedCollectorStillCannotPassTheCap() throws {
        let state = try makeLimitedState(memoryLimit: 2 << 20)
        // Garbage only: each refusal makes Lua collect (stopped or not) and go on.
        try state.run("collectgarbage('stop') for i = 1, 1e6 do local t = {i} end", chunkName: "=t")
        #expect(state.memoryInUse <= 2 << 20)
        #expect(!state.isSpent)
    }

    @Test func smallWorkUnderTheCap() throws {
        let state = try makeLimitedState(memoryLimit: 2 << 20)
        try state.run("local t = {} for i = 1, 1000 do t[i] = tostring(i) end", chunkName: "=t")
        #expect(!state.isSpent)
    }

    @Test func swiftAllocationsPastTheCapNeverFail() throws {
        let state = try makeLimitedState(memoryLimit: 2 << 20)
        // Pushed from Swift: must not fail (a failure would longjmp across Swift).
        state.push(String(repeating: "y", count: 3 << 20))
        #expect(state.memoryInUse > 2 << 20)
        #expect(state.rawLength(at: -1) == 3 << 20)
        state.pop()
        state.collectGarbage()
        #expect(!state.isSpent)
        try state.run("local t = {} for i = 1, 100 do t[i] = i end", chunkName: "=t")
    }

    @Test func aSwiftFunctionAllocatingPastTheCapStopsTheCodeOnceItReturned() throws {
        let state = try makeLimitedState(memoryLimit: 2 << 20)
        state.register("big", function: big)
        #expect(state.runtimeError("local ok, message = pcall(big) caught = message") == .memory)
        #expect(state.reachedMemoryLimit)
        #expect(state.top == 0)
    }

    @Test func aTinyCapStillCreatesAState() throws {
        let state = try LuaState(memoryLimit: 1)
        #expect(!state.isSpent)
        #expect(state.runtimeError("local t = {}") == .memory)
    }

    @Test func deepRecursionWithoutACapIsAStackOverflowError() throws {
        let state = try makeLimitedState()
        let error = state.runtimeError("local function deeper(n) return 1 + deeper(n + 1) end deeper(1)")
        guard case .runtime(let message, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(message.contains("stack overflow"), "\(message)")
        #expect(!state.isSpent)
    }

    @Test func manyCappedStatesCreatedAndClosed() throws {
        for _ in 0..<200 {
            let state = try makeLimitedState(memoryLimit: 4 << 20)
            try state.run("x = {} for i = 1, 100 do x[i] = i end", chunkName: "=t")
        }
    }
}

@Suite struct LuaStateDeadlineTests {
    @Test(arguments: [
        "while true do end",
        "repeat until false",
        "local x = 0 for i = 1, math.huge do x = x + i end",
        "while true do pcall(function() while true do end end) end",
        "while true do xpcall(function() while true do end end, function() while true do end end) end",
        "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
        "coroutine.wrap(function() while true do pcall(function() while true do end end) end end)()",
        "local s = string.rep('a', 1000) while true do s = s:gsub('a', 'a') end",
        "while true do local s = string.rep('ab', 1000) end",
        "local t = {} for i = 1, 1000 do t[i] = 1000 - i end while true do table.sort(t, function(a, b) while true do end end) end",
        "while true do pcall(error, setmetatable({}, {__tostring = function() while true do end end})) end",
    ])
    func theDeadlineStopsLuaCode(source: String) throws {
        let state = try makeLimitedState()
        state.setDeadline(after: .milliseconds(100))
        var error: LuaError?
        let elapsed = seconds { error = state.runtimeError(source) }
        guard case .timeout? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(elapsed < 2, "stopped after \(elapsed) s")
        #expect(state.isSpent)
        #expect(state.top == 0)
        #expect(state.runtimeError("x = 1").map { if case .timeout = $0 { true } else { false } } == true)
    }

    @Test func theTracebackSaysWhereTheCodeWas() throws {
        let state = try makeLimitedState()
        state.setDeadline(after: .milliseconds(50))
        let error = state.runtimeError("local function spin() while true do end end\nspin()", chunkName: "@loop.lua")
        guard case .timeout(let traceback)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(traceback.contains("loop.lua:1: in"), "\(traceback)")
        #expect(error?.details.hasPrefix("Lua: stopped by the watchdog\nstack traceback:") == true)
    }

    @Test func codeThatEndsInTimeIsNotStopped() throws {
        let state = try makeLimitedState()
        state.setDeadline(after: .seconds(30))
        try state.run("local x = 0 for i = 1, 1e6 do x = x + i end", chunkName: "=t")
        state.setDeadline(after: nil)
        #expect(!state.isSpent)
    }

    @Test func aClearedDeadlineStopsNothing() throws {
        let state = try makeLimitedState()
        state.setDeadline(after: .seconds(-1))
        state.setDeadline(after: nil)
        try state.run("local x = 0 for i = 1, 1e5 do x = x + i end", chunkName: "=t")
        #expect(!state.isSpent)
    }

    @Test func aPastDeadlineStopsAtOnce() throws {
        let state = try makeLimitedState()
        state.setDeadline(after: .seconds(-1))
        guard case .timeout? = state.runtimeError("for i = 1, 1e4 do end") else {
            Issue.record("not stopped")
            return
        }
    }

    @Test func debugSethookIsRefusedInALimitedState() throws {
        let state = try makeLimitedState()
        guard case .runtime(let message, _)? = state.runtimeError("debug.sethook()") else {
            Issue.record("debug.sethook ran")
            return
        }
        #expect(message.contains("debug.sethook is not available"), "\(message)")
        // Without limits the debug library is left alone.
        try makeState().run("debug.sethook(function() end, 'c') debug.sethook()", chunkName: "=t")
    }

}

@Suite struct LuaStateRawRegistryTests {
    /// A registry whose metamethods raise, and whose entries the script removed.
    private func hostileState() throws -> LuaState {
        let state = try makeLimitedState()
        state.replaceOSExit()
        try state.run(
            """
            local registry = debug.getregistry()
            registry["clua.exit"] = nil
            registry["Named"] = nil
            debug.setmetatable(registry, {
              __index = function() error("__index of the registry") end,
              __newindex = function() error("__newindex of the registry") end,
            })
            """, chunkName: "=hostile")
        return state
    }

    @Test func namedMetatablesAndUserdataChecksIgnoreRegistryMetamethods() throws {
        let state = try hostileState()
        #expect(state.pushMetatable(named: "Named"))
        state.pop()
        _ = state.newUserdata(size: 8)
        #expect(state.userdata(at: -1, metatable: "Missing") == nil)
        _ = state.pushMetatable(named: "Named")
        state.setMetatable(of: -2)
        #expect(state.userdata(at: -1, metatable: "Named") != nil)
        state.pop()
    }

    @Test func anErrorIsStillAnErrorWithTheExitTokenGone() throws {
        let state = try hostileState()
        guard case .runtime? = state.runtimeError("error('plain')") else {
            Issue.record("not a runtime error")
            return
        }
        guard case .runtime? = state.runtimeError("os.exit()") else {
            Issue.record("os.exit without its token is not an ordinary error")
            return
        }
    }

    @Test func globalsReplacedInTheRegistryReadAsNil() throws {
        let state = try makeLimitedState()
        try state.run("debug.getregistry()[2] = 0", chunkName: "=t")
        #expect(state.getGlobal("print") == .nil)
        state.pop()
        state.push(1)
        state.setGlobal("x")
        #expect(state.top == 0)
    }

    @Test func anErrorObjectWhoseToStringRaisesIsAnOrdinaryError() throws {
        let state = try makeLimitedState()
        let error = state.runtimeError("error(setmetatable({}, {__tostring = function() error('nested') end}))")
        guard case .runtime(let message, let traceback)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(message == "(error object is a table value)")
        #expect(traceback.hasPrefix("stack traceback:"))
        #expect(!state.isSpent)
    }
}

