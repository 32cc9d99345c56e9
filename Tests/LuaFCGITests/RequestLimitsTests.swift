import Foundation
import Testing
@testable import LuaFCGI

/// The limits of SPEC §2 as a request meets them: `watchdog` (504), `memory`
/// (500), `maxcount`; and scripts that try to break the VM from inside.
@Suite struct RequestLimitsTests {
    @Test func aLoopingHandlerIsStoppedWith504AndItsStateClosed() throws {
        let engine = try EngineHarness(["watchdog": .number(0.2), "showerrors": .boolean(true)])
        let path = try engine.write("spin.lua", "function main(env, con) while true do end end")
        let start = Date()
        let sink = engine.run("spin.lua")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(sink.status == 504)
        #expect(sink.body.contains("stopped by the watchdog"))
        #expect(engine.runner.pool.count(of: path) == 0)
        #expect(engine.log.messages.contains {
            $0.contains("\(path): stopped by the watchdog while running") && $0.contains("watchdog = 0.2")
                && $0.contains("spin.lua:1: in function 'main'")
        })
        try engine.write("ok.lua", #"function main(env, con) con:puts("alive") end"#)
        #expect(engine.run("ok.lua").body == "alive")
    }

    @Test func aLoopingChunkIsStoppedWith504() throws {
        let engine = try EngineHarness(["watchdog": .number(0.2)])
        let path = try engine.write("spin.lua", "while true do end function main(env, con) end")
        #expect(engine.run("spin.lua").status == 504)
        #expect(engine.log.messages.contains { $0.contains("\(path): stopped by the watchdog while loading") })
        #expect(engine.runner.pool.count(of: path) == 0)
    }

    @Test func theChunkAndTheHandlerShareOneWatchdog() throws {
        let engine = try EngineHarness(["watchdog": .number(1)])
        // 0.6 s of wall time each (a child process, not CPU: the test's threads share
        // the CPU), then enough instructions for the hook to look at the clock; each
        // half alone fits in the watchdog, both together do not.
        let work = #"io.popen("sleep 0.6"):close() for i = 1, 10000 do end"#
        try engine.write("chunk.lua", "\(work) function main(env, con) con:puts('done') end")
        try engine.write("handler.lua", "function main(env, con) \(work) con:puts('done') end")
        try engine.write("both.lua", "\(work) function main(env, con) \(work) con:puts('done') end")
        #expect(engine.run("chunk.lua").status == 200)
        #expect(engine.run("handler.lua").status == 200)
        #expect(engine.run("both.lua").status == 504)
    }

    @Test func aHandlerStoppedAfterItsHeadWentOutIsCutOff() throws {
        let engine = try EngineHarness(["watchdog": .number(0.2)])
        try engine.write("late.lua", #"function main(env, con) con:puts("partial") con:flush() while true do end end"#)
        let sink = engine.run("late.lua")
        #expect(sink.status == 200)
        #expect(sink.body == "partial")
        #expect(sink.end == .failed)
    }

    @Test func watchdogZeroAndMemoryZeroLeaveTheVMAlone() throws {
        let engine = try EngineHarness(["watchdog": .integer(0), "memory": .integer(0)])
        // No hook is installed, so the script's own hook may be set.
        try engine.write("hook.lua", """
            function main(env, con)
              local calls = 0
              debug.sethook(function() calls = calls + 1 end, "", 100)
              for i = 1, 1000 do end
              debug.sethook()
              con:puts(calls > 0 and "hooked" or "not hooked")
            end
            """)
        #expect(engine.run("hook.lua").body == "hooked")
    }

    @Test(arguments: [
        "local t = {} while true do t[#t + 1] = {} end",
        "local s = string.rep('x', 2^30)",
        "local function deeper(n) return 1 + deeper(n + 1) end deeper(1)",
        "collectgarbage('stop') local t = {} for i = 1, 1e8 do t[i] = 'x' .. i end",
        "while true do pcall(function() local t = {} while true do t[#t + 1] = 1 end end) end",
    ])
    func aStateOverItsMemoryCapIs500AndClosed(source: String) throws {
        let engine = try EngineHarness(["memory": .integer(8)])
        let path = try engine.write("hog.lua", "function main(env, con) \(source) end")
        let sink = engine.run("hog.lua")
        #expect(sink.status == 500)
        #expect(engine.runner.pool.count(of: path) == 0)
        #expect(engine.log.messages.contains {
            $0.contains("\(path): out of memory while running") && $0.contains("memory = 8 MiB")
        })
        try engine.write("ok.lua", #"function main(env, con) con:puts("alive") end"#)
        #expect(engine.run("ok.lua").body == "alive")
    }

    @Test func maxcountRetiresAStateAndItsChunkRunsAgain() throws {
        let engine = try EngineHarness(["maxcount": .integer(2)])
        try engine.write("count.lua", "served = 0 function main(env, con) served = served + 1 con:puts(served) end")
        let bodies = (1...5).map { _ in engine.run("count.lua").body }
        #expect(bodies == ["1", "2", "1", "2", "1"])
    }

    @Test func maxcountZeroKeepsAStateForever() throws {
        let engine = try EngineHarness()
        try engine.write("count.lua", "served = 0 function main(env, con) served = served + 1 con:puts(served) end")
        let bodies = (1...5).map { _ in engine.run("count.lua").body }
        #expect(bodies == ["1", "2", "3", "4", "5"])
    }

    @Test func aRegistryWithRaisingMetamethodsGives500NotAPanic() throws {
        let engine = try EngineHarness()
        try engine.write("hostile.lua", """
            function main(env, con)
              local registry = debug.getregistry()
              registry["luafcgid.con"] = nil
              registry["clua.exit"] = nil
              debug.setmetatable(registry, {
                __index = function() error("__index of the registry") end,
                __newindex = function() error("__newindex of the registry") end,
              })
              con:puts("first")
            end
            """)
        #expect(engine.run("hostile.lua").status == 500)
        // The same state again: `con` is made with the registry as the script left it.
        #expect(engine.run("hostile.lua").status == 500)
        try engine.write("ok.lua", #"function main(env, con) con:puts("alive") end"#)
        #expect(engine.run("ok.lua").body == "alive")
    }

    @Test func globalsTakenOutOfTheRegistryGive500() throws {
        let engine = try EngineHarness()
        try engine.write("noglobals.lua", "function main(env, con) debug.getregistry()[2] = 0 end")
        #expect(engine.run("noglobals.lua").status == 200)
        #expect(engine.run("noglobals.lua").status == 500)  // main() is no longer found
    }

    @Test func anErrorObjectWhoseToStringRaisesIsAnOrdinary500() throws {
        let engine = try EngineHarness(["showerrors": .boolean(true)])
        try engine.write("tostring.lua", """
            n = 0
            function main(env, con)
              n = n + 1
              if n == 1 then error(setmetatable({}, {__tostring = function() error("nested") end})) end
              con:puts(n)
            end
            """)
        let sink = engine.run("tostring.lua")
        #expect(sink.status == 500)
        #expect(sink.body.contains("(error object is a table value)"))
        #expect(engine.run("tostring.lua").body == "2")  // an ordinary handler error: the state is kept
    }
}

extension RequestLimitsTests {
    @Test func loadTakesTextOnlySoForgedBytecodeCannotCrashTheVM() throws {
        let engine = try EngineHarness()
        try engine.write("bytecode.lua", """
            function main(env, con)
              local dumped = string.dump(function() return 1 end)
              local f, message = load(dumped)
              local g = load("return 'text'", "=text", "bt", {})
              con:puts(tostring(f), "|", message, "|", g())
            end
            """)
        #expect(engine.run("bytecode.lua").body == "nil|attempt to load a binary chunk (mode is 't')|text")
    }
}
