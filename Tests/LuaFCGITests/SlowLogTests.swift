import FastCGI
import Foundation
import Testing
@testable import LuaFCGI

/// `slowlog` (SPEC §2) as a request meets it: one warning per request that runs
/// past it, with a traceback of where its Lua code is, taken inside the VM.
@Suite struct SlowLogTests {
    /// Lua: `spin()` runs for `seconds` of CPU time, on line 2 of its file.
    private static func spin(_ seconds: Double) -> String {
        "local function spin()\n  local start = os.clock() while os.clock() - start < \(seconds) do end\nend\n"
    }

    private func slowEntries(_ log: LogCapture) -> [String] {
        log.messages.filter { $0.hasPrefix("slow: ") }
    }

    @Test func aHandlerPastSlowlogIsLoggedOnceWithWhereItIsAndStillAnswers() throws {
        let engine = try EngineHarness(["slowlog": .number(0.1), "watchdog": .integer(0), "memory": .integer(0)])
        let script = try engine.write("spin.lua", Self.spin(0.4) + #"function main(env, con) spin() con:puts("done") end"#)
        let sink = engine.run("spin.lua", parameters: [("REQUEST_URI", "/spin.lua?x=1")])
        #expect(sink.status == 200 && sink.body == "done")
        let entries = slowEntries(engine.log)
        #expect(entries.count == 1, "\(engine.log.messages)")
        let entry = entries.first ?? ""
        #expect(entry.hasPrefix("slow: \(script) (/spin.lua?x=1) has run 0."), "\(entry)")
        #expect(entry.contains("(slowlog = 0.1), still running; where it is:\nstack traceback:"), "\(entry)")
        #expect(entry.contains("spin.lua:2: in upvalue 'spin'") || entry.contains("spin.lua:2: in local 'spin'"), "\(entry)")
        #expect(entry.contains("spin.lua:4: in function 'main'"), "\(entry)")
        #expect(engine.log.level(ofMessageContaining: "slow: ") == .warning)
    }

    @Test func slowlogZeroLogsNothing() throws {
        let engine = try EngineHarness(["slowlog": .integer(0)])
        try engine.write("spin.lua", Self.spin(0.2) + "function main(env, con) spin() end")
        #expect(engine.run("spin.lua").status == 200)
        #expect(slowEntries(engine.log).isEmpty)
    }

    @Test func aRequestUnderSlowlogLogsNothing() throws {
        let engine = try EngineHarness(["slowlog": .integer(30)])
        try engine.write("quick.lua", Self.spin(0.05) + "function main(env, con) spin() end")
        #expect(engine.run("quick.lua").status == 200)
        #expect(slowEntries(engine.log).isEmpty)
    }

    @Test func aSlowChunkIsLoggedOnceForItsRequestThoughTheHandlerIsSlowToo() throws {
        let engine = try EngineHarness(["slowlog": .number(0.1)])
        try engine.write("both.lua", Self.spin(0.3) + "spin()\nfunction main(env, con) spin() end")
        #expect(engine.run("both.lua").status == 200)
        let entries = slowEntries(engine.log)
        #expect(entries.count == 1, "\(entries)")
        #expect(entries.first?.contains("both.lua:4: in main chunk") == true, "\(entries)")
        // The next request on the kept state is watched afresh.
        #expect(engine.run("both.lua").status == 200)
        #expect(slowEntries(engine.log).count == 2)
        #expect(slowEntries(engine.log).last?.contains("in function 'main'") == true)
    }

    @Test func aSlowPreloadIsLoggedWithItsFile() throws {
        let directory = try ScriptDirectory()
        let preload = try directory.write("preload.lua", Self.spin(0.3) + "spin()")
        let engine = try EngineHarness(["slowlog": .number(0.1), "preload": .string(preload)], directory: directory)
        try engine.write("page.lua", "function main(env, con) end")
        #expect(engine.run("page.lua").status == 200)
        #expect(slowEntries(engine.log).first?.contains("preload.lua:4: in main chunk") == true, "\(engine.log.messages)")
    }

    @Test func timePassedInOneCCallIsLoggedAtTheEndWithoutATraceback() throws {
        let engine = try EngineHarness(["slowlog": .number(0.1)])
        let script = try engine.write("wait.lua", #"function main(env, con) io.popen("sleep 0.3"):close() end"#)
        #expect(engine.run("wait.lua").status == 200)
        let entries = slowEntries(engine.log)
        #expect(entries.count == 1, "\(engine.log.messages)")
        #expect(entries.first?.hasPrefix("slow: \(script) (/wait.lua) ran 0.") == true, "\(entries)")
        #expect(entries.first?.contains("no traceback: it passed slowlog inside one C call or outside Lua code") == true)
        #expect(entries.first?.contains("stack traceback") == false)
    }

    @Test func aStopByTheWatchdogAfterTheSlowEntryKeepsBoth() throws {
        let engine = try EngineHarness(["slowlog": .number(0.05), "watchdog": .number(0.3)])
        try engine.write("spin.lua", "function main(env, con) while true do end end")
        #expect(engine.run("spin.lua").status == 504)
        #expect(slowEntries(engine.log).count == 1)
        #expect(engine.log.messages.contains { $0.contains("stopped by the watchdog while running") })
    }

    /// The time goes by in `con:read`, waiting for a body that comes late: the method
    /// reports when it returns, with itself and its caller in the traceback.
    @Test func aHandlerWaitingForItsBodyIsLoggedFromTheReadWithItsLine() async throws {
        let log = LogCapture()
        try await ServerHarness.run(["slowlog": .number(0.2)], logger: log.logger) { harness in
            let started = harness.directory.path + "/started"
            let script = try harness.write("upload.lua", """
                function main(env, con)
                  io.open(env.STARTED, 'w'):close()
                  local total = 0
                  while true do
                    local piece = con:read()
                    if not piece then break end
                    total = total + #piece
                  end
                  con:puts(total)
                end
                """)
            try await onThread {
                let client = try harness.connect()
                let records = FastCGITestClient.requestRecords(
                    id: 1, parameters: harness.parameters("upload.lua", [("STARTED", started)]),
                    body: [UInt8](repeating: 0x62, count: 100))
                try client.send(Array(records.prefix(3)))  // BEGIN_REQUEST and the params, no body yet
                try #require(poll { FileManager.default.fileExists(atPath: started) }, "main did not start")
                // The body is late: that is what is under test, not a way to wait for something.
                Thread.sleep(forTimeInterval: 0.4)
                try client.send(Array(records.dropFirst(3)))
                #expect(try client.response(for: 1).body == "100")
            }
            let entries = log.messages.filter { $0.hasPrefix("slow: ") }
            #expect(entries.count == 1, "\(log.messages)")
            let entry = entries.first ?? ""
            #expect(entry.hasPrefix("slow: \(script) (/upload.lua) has run 0."), "\(entry)")
            #expect(entry.contains("[C]: in method 'read'") || entry.contains("[C]: in method 'con:read'") || entry.contains("in function 'read'"), "\(entry)")
            #expect(entry.contains("upload.lua:5: in function 'main'"), "\(entry)")
        }
    }
}
