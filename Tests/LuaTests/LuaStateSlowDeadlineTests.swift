import Foundation
@testable import Lua
import Testing

/// `wait()`: sleeps 100 ms outside the VM, then reports if slow, as `con:read` does.
private let waitThenReport: LuaFunction = { L in
    usleep(100_000)
    LuaState.current(L!).reportIfSlow()
    return 0
}

/// `wait()`: sleeps 100 ms outside the VM and reports nothing: one long C call.
private let waitSilently: LuaFunction = { _ in
    usleep(100_000)
    return 0
}

/// A limited state with the standard libraries whose slow reports land in the returned box.
private func makeWatchedState() throws -> (LuaState, Reports) {
    let state = try LuaState(timeLimited: true)
    state.openStandardLibraries()
    let reports = Reports()
    state.slowHandler = { reports.tracebacks.append($0) }
    return (state, reports)
}

private final class Reports {
    var tracebacks: [String] = []
}

/// Lua: `spin()` runs for `seconds` of CPU time on line 2 of `slow.lua`.
private func spinning(_ seconds: Double) -> String {
    "local function spin()\n  local start = os.clock() while os.clock() - start < \(seconds) do end\nend\nspin()"
}

@Suite struct LuaStateSlowDeadlineTests {
    @Test func codePastTheSlowDeadlineIsReportedOnceWithWhereItIsAndGoesOn() throws {
        let (state, reports) = try makeWatchedState()
        state.setSlowDeadline(after: .milliseconds(20))
        try state.run(spinning(0.3) + "\nfinished = true", chunkName: "@slow.lua")
        #expect(reports.tracebacks.count == 1, "\(reports.tracebacks)")
        let traceback = reports.tracebacks.first ?? ""
        #expect(traceback.hasPrefix("stack traceback:"), "\(traceback)")
        #expect(traceback.contains("slow.lua:2: in local 'spin'"), "\(traceback)")
        #expect(traceback.contains("slow.lua:4: in main chunk"), "\(traceback)")
        #expect(try state.evaluate("tostring(finished)") == "true")
        #expect(!state.isSpent)
    }

    @Test func noSlowDeadlineNoReport() throws {
        let (state, reports) = try makeWatchedState()
        try state.run(spinning(0.05), chunkName: "@slow.lua")
        state.setSlowDeadline(after: .milliseconds(1))
        state.setSlowDeadline(after: nil)
        try state.run(spinning(0.05), chunkName: "@slow.lua")
        #expect(reports.tracebacks.isEmpty)
    }

    @Test func codeThatEndsInTimeIsNotReported() throws {
        let (state, reports) = try makeWatchedState()
        state.setSlowDeadline(after: .seconds(30))
        try state.run(spinning(0.05), chunkName: "@slow.lua")
        #expect(reports.tracebacks.isEmpty)
    }

    @Test func aCoroutineIsReportedWithItsOwnStack() throws {
        let (state, reports) = try makeWatchedState()
        state.setSlowDeadline(after: .milliseconds(20))
        try state.run("coroutine.wrap(function()\n" + spinning(0.2) + "\nend)()", chunkName: "@co.lua")
        #expect(reports.tracebacks.count == 1)
        #expect(reports.tracebacks.first?.contains("co.lua:3: in local 'spin'") == true, "\(reports.tracebacks)")
    }

    @Test func theWatchdogStillStopsCodeAfterTheSlowReport() throws {
        let (state, reports) = try makeWatchedState()
        state.setSlowDeadline(after: .milliseconds(20))
        state.setDeadline(after: .milliseconds(200))
        guard case .timeout? = state.runtimeError("while true do end", chunkName: "@spin.lua") else {
            Issue.record("not stopped")
            return
        }
        #expect(reports.tracebacks.count == 1)
        #expect(reports.tracebacks.first?.contains("spin.lua:1: in main chunk") == true, "\(reports.tracebacks)")
    }

    @Test func aSwiftFunctionThatWaitedReportsWithItselfOnTop() throws {
        let (state, reports) = try makeWatchedState()
        state.push(function: waitThenReport)
        state.setGlobal("wait")
        state.setSlowDeadline(after: .milliseconds(20))
        try state.run("local function fetch()\n  wait()\nend\nfetch()", chunkName: "@io.lua")
        #expect(reports.tracebacks.count == 1)
        let traceback = reports.tracebacks.first ?? ""
        #expect(traceback.contains("[C]: in"), "\(traceback)")
        #expect(traceback.contains("io.lua:2: in local 'fetch'"), "\(traceback)")
    }

    @Test func aDeadlinePassedInOneCCallThatEndsTheCodeIsNotReported() throws {
        let (state, reports) = try makeWatchedState()
        state.push(function: waitSilently)
        state.setGlobal("wait")
        state.setSlowDeadline(after: .milliseconds(20))
        try state.run("wait()", chunkName: "@c.lua")
        #expect(reports.tracebacks.isEmpty)
        // Lua code after the call is looked at again.
        try state.run(spinning(0.05), chunkName: "@slow.lua")
        #expect(reports.tracebacks.count == 1)
    }

    @Test func theReportIsTakenEvenWithTheHeapAtItsCap() throws {
        let state = try LuaState(memoryLimit: 1 << 20, timeLimited: true)
        state.openStandardLibraries()
        let reports = Reports()
        state.slowHandler = { reports.tracebacks.append($0) }
        // A loop that allocates nothing, run with the cap lowered to what is in use:
        // the traceback's allocations would be refused if they counted as Lua's.
        try state.loadString("local start = os.clock() while os.clock() - start < 0.2 do end", chunkName: "@full.lua")
        state.limits.pointee.limit = state.limits.pointee.used
        state.setSlowDeadline(after: .milliseconds(20))
        try state.call(arguments: 0, results: 0)
        #expect(reports.tracebacks.count == 1)
        #expect(reports.tracebacks.first?.contains("full.lua:1: in main chunk") == true, "\(reports.tracebacks)")
        #expect(!state.isSpent)
    }
}
