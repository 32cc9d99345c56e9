import Foundation
import Logging
import Testing
@testable import LuaFCGI

/// The in-place parts of a reload (SIGHUP): the pool's and the worker loop's new
/// bounds, the summary the log shows, and the log's new target.
@Suite struct InPlaceReloadTests {
    @Test func aResizedPolicyCreatesUpToItsNewBoundsAndNoFurther() {
        var policy = ScriptPoolPolicy(capacity: 1, clonesPerScript: 1)
        #expect(policy.acquire(script: "a", now: 0) != .wait)
        #expect(policy.acquire(script: "b", now: 0) == .wait, "the one slot is busy")
        policy.resize(capacity: 2, clonesPerScript: 1)
        #expect(policy.acquire(script: "b", now: 0) != .wait)
        #expect(policy.acquire(script: "a", now: 0) == .wait, "one clone per script")
        policy.resize(capacity: 2, clonesPerScript: 5)
        #expect(policy.clonesPerScript == 2, "clones are bounded by capacity, as at start")
    }

    @Test func renewDropsIdleStatesNowAndBusyOnesOnRelease() {
        let pool = ScriptPool<FakeState>(capacity: 4, clonesPerScript: 4)
        var busy = pool.acquire(script: "a", signature: FakeState.fixed)!
        pool.attach(FakeState(), to: &busy)
        var idle = pool.acquire(script: "b", signature: FakeState.fixed)!
        pool.attach(FakeState(), to: &idle)
        pool.release(idle, keep: true)
        #expect(pool.count == 2)

        let dropped = pool.renew(capacity: 3, clonesPerScript: 3)
        #expect(dropped.count == 1, "the idle state goes at once")
        #expect(pool.count == 1, "the busy one stays until released")
        #expect(pool.release(busy, keep: true) != nil, "released, it leaves the pool although `keep` was asked")
        #expect(pool.count == 0)
    }

    @Test func moreWorkersRunAQueuedRequestWhileTheFirstIsHeld() throws {
        let engine = try EngineHarness()
        let release = engine.directory.path + "/release"
        try engine.write("hold.lua", """
            local function exists(name) local f = io.open(name) if f then f:close() return true end return false end
            function main(env, con)
              local deadline = os.clock() + 10
              while not exists("\(release)") and os.clock() < deadline do end
              con:puts("held")
            end
            """)
        try engine.write("quick.lua", #"function main(env, con) con:puts("quick") end"#)
        let loop = WorkerLoop(capacity: 10)
        let runner = engine.runner
        loop.start(workers: 1, work: .init(run: { runner.run($0) }, refuse: { _ in }))
        let (held, heldSink) = engine.makeRequest("hold.lua")
        let (quick, quickSink) = engine.makeRequest("quick.lua")
        #expect(loop.submit(held))
        #expect(loop.submit(quick))
        loop.resize(workers: 2, queue: 10)
        #expect(loop.workerCount == 2)
        #expect(quickSink.waitForEnd(timeout: 10), "the second worker ran it while the first is held")
        #expect(heldSink.end == nil)
        FileManager.default.createFile(atPath: release, contents: nil)
        #expect(heldSink.waitForEnd(timeout: 10))
        #expect(heldSink.body == "held" && quickSink.body == "quick")

        // Fewer workers: they end between requests, and the rest go on serving.
        loop.resize(workers: 1, queue: 10)
        #expect(loop.workerCount == 1)
        let (after, afterSink) = engine.makeRequest("quick.lua")
        #expect(loop.submit(after))
        #expect(afterSink.waitForEnd(timeout: 10))
        #expect(loop.stop(timeout: .seconds(10)))
    }

    @Test func aSmallerQueueRefusesBeyondItsNewBound() throws {
        let engine = try EngineHarness()
        let loop = WorkerLoop(capacity: 3)
        loop.resize(workers: 1, queue: 1)  // not started: only the bound changes
        #expect(loop.submit(engine.makeRequest("a.lua").0))
        #expect(!loop.submit(engine.makeRequest("a.lua").0))
    }

    @Test func theSummaryNamesWhatChanged() throws {
        let old = try Configuration(scriptValues: ["workers": .integer(2), "headers": .string("X-A: 1\r\n")])
        let new = try Configuration(scriptValues: ["workers": .integer(3), "preload": .string("/etc/p.lua")])
        let summary = ReloadSummary(
            closedStates: 2, added: ["unix:/b.sock"], removed: [],
            changes: ReloadSummary.changes(from: old, to: new))
        #expect(summary.changes.contains("workers 2 → 3"))
        #expect(summary.changes.contains(#"headers "X-A: 1\r\n" → """#))
        #expect(summary.changes.contains(#"preload unset → "/etc/p.lua""#))
        #expect(summary.description.hasPrefix("2 idle states closed, scripts reload on their next request; now also listening on unix:/b.sock; changed: "))
        let same = ReloadSummary(closedStates: 1, added: [], removed: [], changes: ReloadSummary.changes(from: old, to: old))
        #expect(same.description == "1 idle state closed, scripts reload on their next request; no setting changed")
    }

    @Test func aRetargetedLogWritesToTheNewFileAndAFailedOneKeepsTheOld() throws {
        let directory = try ScriptDirectory()
        let (first, second) = (directory.path + "/first.log", directory.path + "/second.log")
        let destination = try LogDestination.file(first)
        let logger = Logger(label: "test") { _ in LineLogHandler(destination: destination) }
        logger.info("one")
        try destination.retarget(to: second)
        logger.info("two")
        #expect(throws: LogFileError.self) { try destination.retarget(to: "/nonexistent-dir/x.log") }
        logger.info("three")
        #expect(destination.path == second)
        let firstText = try String(contentsOfFile: first, encoding: .utf8)
        let secondText = try String(contentsOfFile: second, encoding: .utf8)
        #expect(firstText.contains("one") && !firstText.contains("two"))
        #expect(secondText.contains("two") && secondText.contains("three"))
    }
}

/// A pooled state that holds no Lua: the pool's bookkeeping alone.
private final class FakeState: PooledState {
    static let fixed: FileSignature = {
        var info = stat()
        info.st_ino = 1
        info.st_mode = S_IFREG | 0o644
        return FileSignature(info)
    }()
    var signature: FileSignature { Self.fixed }
}
