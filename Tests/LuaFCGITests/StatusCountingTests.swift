import Foundation
import NIOCore
import Testing
@testable import LuaFCGI

/// Every answer is counted once, by status class, whichever path gave it; the
/// pool counts loads, evictions and reloads; the pages answer without the pool.
@Suite struct StatusCountingTests {
    @Test func everyAnswerCountsInItsClassAndPerScript() throws {
        let engine = try EngineHarness(["watchdog": .number(0.2), "memory": .integer(16)])
        let hello = try engine.write("hello.lua", #"function main(env, con) con:puts("hi") end"#)
        try engine.write("fail.lua", #"function main(env, con) error("no") end"#)
        try engine.write("spin.lua", "function main(env, con) while true do end end")
        try engine.write("hog.lua", #"function main(env, con) local t = {} while true do t[#t + 1] = {} end end"#)
        try engine.write("moved.lua", #"function main(env, con) con:status(302) con:header("Location", "/") end"#)
        let observer = engine.observer
        for script in ["hello.lua", "hello.lua", "moved.lua", "missing.lua", "fail.lua", "spin.lua", "hog.lua"] {
            #expect(engine.run(script, observer: observer).waitForEnd())
        }
        let (refused, refusedSink) = engine.makeRequest("hello.lua", observer: observer)
        engine.runner.refuse(refused)
        #expect(refusedSink.status == 503)

        let statistics = engine.statistics
        #expect(statistics.answersByClass == [0, 2, 1, 1, 4])
        #expect(statistics.timeouts.current == 1 && statistics.memoryErrors.current == 1)
        #expect(statistics.running.current == 0 && statistics.aborted.current == 0)
        #expect(statistics.latency.snapshot().total == 8)
        #expect(statistics.script(hello).requests.current == 2)
        #expect(statistics.script(hello).lastLoad != nil)
        // hello, moved, fail, spin, hog: a state each; missing.lua never got one.
        #expect(engine.runner.pool.counters.loads == 5)
    }

    @Test func aRequestLetGoWithoutAnAnswerCountsAsAborted() throws {
        let engine = try EngineHarness()
        let observer = engine.observer
        do {
            let (request, _) = engine.makeRequest("hello.lua", observer: observer)
            request.abort()
            engine.runner.run(request)
        }
        #expect(engine.statistics.aborted.current == 1)
        #expect(engine.statistics.answersByClass == [0, 0, 0, 0, 0])
    }

    @Test func thePoolCountsEvictionsAndReloads() throws {
        let engine = try EngineHarness(["states": .integer(2)])
        let source = #"function main(env, con) con:puts("x") end"#
        for name in ["a.lua", "b.lua", "c.lua"] { try engine.write(name, source) }
        for name in ["a.lua", "b.lua", "c.lua"] { #expect(engine.run(name).status == 200) }
        #expect(engine.runner.pool.counters == .init(loads: 3, evictions: 1, reloads: 0))
        try engine.write("c.lua", source + "\n-- changed, longer")
        #expect(engine.run("c.lua").status == 200)
        #expect(engine.runner.pool.counters == .init(loads: 4, evictions: 1, reloads: 1))
        let inventory = engine.runner.pool.inventory { $0.lua.memoryInUse }
        #expect(inventory.alive == 2)
        #expect(inventory.scripts.values.allSatisfy { $0.states == 1 && $0.memoryBytes > 10_000 })
    }

    @Test func pingAndStatusAreAnsweredAtOnceAndCounted() throws {
        let engine = try EngineHarness(["ping": .string("/ping"), "status": .string("/status")])
        let observer = engine.observer
        try engine.write("hello.lua", #"function main(env, con) con:puts("hi") end"#)
        #expect(engine.run("hello.lua", observer: observer).status == 200)

        let (ping, pingSink) = engine.makeRequest("ping", observer: observer)
        #expect(engine.runner.answerAtOnce(ping))
        #expect(pingSink.status == 200 && pingSink.body == "pong" && pingSink.end == .complete)
        #expect(pingSink.head?.headers.first == HTTPHeaderLine(name: "Content-Type", value: "text/plain"))

        let (status, statusSink) = engine.makeRequest("status", observer: observer)
        #expect(engine.runner.answerAtOnce(status))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(statusSink.body.utf8)) as? [String: Any])
        #expect(json["requests"] as? [String: Int] == ["total": 2, "1xx": 0, "2xx": 2, "3xx": 0, "4xx": 0, "5xx": 0])
        #expect(json["loads"] as? Int == 1)

        let (prometheus, prometheusSink) = engine.makeRequest(
            "status", parameters: [("QUERY_STRING", "format=prometheus")], observer: observer)
        #expect(engine.runner.answerAtOnce(prometheus))
        #expect(prometheusSink.body.contains(#"luafcgid_requests_total{class="2xx"} 3"#))
        #expect(engine.statistics.answersByClass[1] == 4)
        #expect(engine.runner.pool.counters.loads == 1)

        let (other, otherSink) = engine.makeRequest("hello.lua")
        #expect(!engine.runner.answerAtOnce(other))
        #expect(otherSink.headCount == 0)
    }

    @Test func aPageWhoseBodyIsStillComingIsLeftToAWorker() throws {
        let engine = try EngineHarness(["ping": .string("/ping")])
        var env = RequestParameters()
        env.append(name: "SCRIPT_NAME", value: "/ping")
        let sink = RecordingSink()
        let request = Request(parameters: env, body: UnfinishedBody(), sink: sink)
        #expect(!engine.runner.answerAtOnce(request))
        #expect(sink.headCount == 0)
        engine.runner.run(request)
        #expect(sink.body == "pong")
    }

    @Test func withoutTheSettingsThePathsAreOrdinaryRequests() throws {
        let engine = try EngineHarness()
        let (ping, _) = engine.makeRequest("ping")
        #expect(!engine.runner.answerAtOnce(ping))
    }

    /// A body whose end has not arrived: the page must not be answered on a reading thread.
    final class UnfinishedBody: RequestBody {
        func read(upTo maximum: Int) -> ByteBuffer? { nil }
        var hasEnded: Bool { false }
    }
}
