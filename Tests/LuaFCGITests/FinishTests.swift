import Foundation
import Testing
@testable import LuaFCGI

/// `con:finish()` (SPEC §4.2): the response is complete at once, the handler goes on,
/// its later output is dropped, and the watchdog still bounds it.
@Suite struct FinishTests {
    @Test func finishSendsTheWholeBufferedResponseOnceAndDropsLaterOutput() throws {
        let engine = try EngineHarness()
        try engine.write("f.lua", """
            function main(env, con)
              if READ_NIL ~= nil then con:puts(tostring(READ_NIL)) return end
              con:header("X-A", "1")
              con:puts("page")
              con:finish()
              con:puts("late"); con:header("X-B", "2"); con:status(404); con:flush(); con:reset()
              con:finish()
              READ_NIL = (con:read() == nil) and (con:gets() == nil)
            end
            """)
        let sink = engine.run("f.lua", body: "a=1")
        #expect(sink.status == 200)
        #expect(sink.body == "page")
        #expect(sink.head?.contentLength == 4)
        #expect(sink.head?.headers.contains { $0.name == "X-B" } == false)
        #expect(sink.endCount == 1)
        #expect(sink.end == .complete)
        #expect(sink.sendCalls == 1)
        #expect(engine.run("f.lua").body == "true")  // the same state: con:read and con:gets gave nil after finish
    }

    @Test func theHandlerGoesOnAfterFinish() throws {
        let engine = try EngineHarness()
        let marker = engine.directory.path + "/marker"
        try engine.write("bg.lua", """
            function main(env, con)
              con:puts("ok")
              con:finish()
              con:puts("dropped"); con:flush()
              local f = assert(io.open("\(marker)", "w")); f:write("went on"); f:close()
            end
            """)
        let sink = engine.run("bg.lua")
        #expect(sink.body == "ok")
        #expect(FileManager.default.contents(atPath: marker).map { String(decoding: $0, as: UTF8.self) } == "went on")
    }

    @Test func aTimeoutAfterFinishIsLoggedAndClosesTheStateWithoutA504() throws {
        let engine = try EngineHarness(["watchdog": .number(0.2)])
        let path = try engine.write("spin.lua", #"function main(env, con) con:puts("early") con:finish() while true do end end"#)
        let sink = engine.run("spin.lua")
        #expect(sink.status == 200)
        #expect(sink.body == "early")
        #expect(sink.endCount == 1)
        #expect(sink.errorLog.isEmpty)
        #expect(engine.runner.pool.count(of: path) == 0)
        #expect(engine.statistics.timeouts.current == 1)
        #expect(engine.log.messages.contains { $0.contains("\(path): stopped by the watchdog while running after con:finish()") })
    }

    @Test func anErrorAfterFinishIsOnlyLogged() throws {
        let engine = try EngineHarness(["showerrors": .boolean(true)])
        let path = try engine.write("e.lua", #"function main(env, con) con:puts("fine") con:finish() error("later") end"#)
        let sink = engine.run("e.lua")
        #expect(sink.status == 200)
        #expect(sink.body == "fine")
        #expect(sink.endCount == 1)
        #expect(engine.log.messages.contains { $0.contains("\(path): error while running after con:finish()") && $0.contains("later") })
    }
}
