import Foundation
import Testing
@testable import LuaFCGI

@Suite struct WorkerLoopTests {
    @Test func aFullQueueRefusesAtOnce() throws {
        let engine = try EngineHarness()
        let loop = WorkerLoop(capacity: 2)
        #expect(loop.submit(engine.makeRequest("a.lua").0))
        #expect(loop.submit(engine.makeRequest("a.lua").0))
        #expect(!loop.submit(engine.makeRequest("a.lua").0))
        #expect(loop.waiting == 2)
    }

    @Test func workersRunQueuedRequestsAndStopWhenDrained() throws {
        let engine = try EngineHarness()
        try engine.write("hello.lua", #"function main(env, con) con:puts("hi") end"#)
        let loop = WorkerLoop(capacity: 100)
        let sinks = (0..<10).map { _ in
            let (request, sink) = engine.makeRequest("hello.lua")
            #expect(loop.submit(request))
            return sink
        }
        let runner = engine.runner
        loop.start(workers: 2, work: .init(run: { runner.run($0) }, refuse: { _ in }))
        #expect(loop.stop(timeout: .seconds(10)))
        for sink in sinks {
            #expect(sink.body == "hi")
        }
        #expect(!loop.submit(engine.makeRequest("hello.lua").0))
    }

    /// Two requests that wait for each other force two states of one script;
    /// each keeps its own globals under concurrent use.
    @Test func clonesOfOneScriptStayIsolated() throws {
        let engine = try EngineHarness(["workers": .integer(2), "states": .integer(4), "clones": .integer(2)])
        try engine.write("clone.lua", """
            local id = tostring({}):match("0x%x+")
            local count = 0
            local function exists(name) local f = io.open(name) if f then f:close() return true end return false end
            function main(env, con)
              local n = tonumber(env.QUERY_STRING)
              if n <= 2 then
                local f = assert(io.open(env.DIR .. "/arrived-" .. n, "w")) f:close()
                local deadline = os.clock() + 5
                while not (exists(env.DIR .. "/arrived-1") and exists(env.DIR .. "/arrived-2")) and os.clock() < deadline do end
              end
              count = count + 1
              con:puts(id, " ", count)
            end
            """)
        let loop = WorkerLoop(capacity: 100)
        let runner = engine.runner
        loop.start(workers: 2, work: .init(run: { runner.run($0) }, refuse: { _ in }))
        let sinks = (1...20).map { n in
            let (request, sink) = engine.makeRequest(
                "clone.lua", parameters: [("QUERY_STRING", "\(n)"), ("DIR", engine.directory.path)])
            #expect(loop.submit(request))
            return sink
        }
        #expect(loop.stop(timeout: .seconds(30)))
        var countsByState: [String: [Int]] = [:]
        for sink in sinks {
            let parts = sink.body.split(separator: " ")
            try #require(parts.count == 2, "unexpected body \(sink.body)")
            countsByState[String(parts[0]), default: []].append(Int(parts[1]) ?? -1)
        }
        #expect(countsByState.count == 2)
        for counts in countsByState.values {
            #expect(counts.sorted() == Array(1...counts.count))
        }
        #expect(engine.runner.pool.count(of: engine.directory.path + "/clone.lua") == 2)
    }
}
