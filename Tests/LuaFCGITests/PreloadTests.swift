import Foundation
import Logging
import Testing
@testable import LuaFCGI

/// `preload` (SPEC §2) as a request meets it: run in every new state before the
/// script, its globals the script's, tracked like a loaded file; any failure of
/// it a 500 (504 for the watchdog) naming the preload file.
@Suite struct PreloadTests {
    /// An engine whose `preload` is `preload.lua` in its script directory, with `settings` on top.
    private func engine(_ preload: String?, _ settings: [String: ConfigurationValue] = [:]) throws -> (EngineHarness, String) {
        let directory = try ScriptDirectory()
        let path = directory.path + "/preload.lua"
        if let preload { try directory.write("preload.lua", preload) }
        var values: [String: ConfigurationValue] = ["preload": .string(path), "showerrors": .boolean(true)]
        values.merge(settings) { $1 }
        return (try EngineHarness(values, directory: directory), path)
    }

    @Test func thePreloadsGlobalsAreTheScriptsAndItRunsOncePerNewState() throws {
        let (engine, _) = try engine(nil)
        let runs = engine.directory.path + "/runs"
        try engine.write("preload.lua", """
            preloads = (preloads or 0) + 1
            function greet(name) return "hello " .. name end
            local log = io.open("\(runs)", "a") log:write("run\\n") log:close()
            """)
        let page = """
            served = 0
            function main(env, con) served = served + 1 con:puts(greet("you"), " ", preloads, ":", served) end
            """
        try engine.write("a.lua", page)
        try engine.write("b.lua", page)
        #expect(engine.run("a.lua").body == "hello you 1:1")
        #expect(engine.run("a.lua").body == "hello you 1:2")
        #expect(engine.run("b.lua").body == "hello you 1:1")
        #expect(try String(contentsOfFile: runs, encoding: .utf8) == "run\nrun\n")
    }

    @Test func thePreloadRunsBeforeTheChunkAndMaySetPackagePath() throws {
        let (engine, _) = try engine(nil)
        try engine.write("lib/shared.lua", #"return { word = "shared" }"#)
        try engine.write("preload.lua", #"package.path = "\#(engine.directory.path)/lib/?.lua;" .. package.path"#)
        try engine.write("page.lua", #"local shared = require "shared" function main(env, con) con:puts(shared.word) end"#)
        #expect(engine.run("page.lua").body == "shared")
    }

    @Test func osExitInThePreloadEndsItEarlyAndTheScriptStillLoads() throws {
        let (engine, _) = try engine("early = true os.exit() late = true")
        try engine.write("page.lua", "function main(env, con) con:puts(tostring(early), tostring(late)) end")
        #expect(engine.run("page.lua").body == "truenil")
    }

    @Test func aChangedPreloadFileReloadsTheStates() throws {
        let (engine, _) = try engine(#"word = "old""#)
        let page = try engine.write("page.lua", "function main(env, con) con:puts(word) end")
        #expect(engine.run("page.lua").body == "old")
        let housekeeper = Housekeeper(
            pool: engine.runner.pool, periodMilliseconds: 1000, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        housekeeper.sweep()
        #expect(engine.runner.pool.count(of: page) == 1)
        try engine.write("preload.lua", #"word = "newer""#)
        housekeeper.sweep()
        #expect(engine.runner.pool.count(of: page) == 0)
        #expect(engine.run("page.lua").body == "newer")
    }

    /// Each failure: the preload's source (nil: no file), what the log and the page say after
    /// "preload PATH (for SCRIPT): ", and the status.
    @Test(arguments: [
        (nil, "error while loading: Lua: cannot read PRELOAD: no such file", 500),
        ("x = = 1", "error while loading: Lua: ", 500),
        ("local function helper() error('boom') end\nhelper()", "error while loading: ", 500),
        ("while true do end", "stopped by the watchdog while loading: it ran 0.2 s (watchdog = 0.2)", 504),
        ("local t = {} while true do t[#t + 1] = {} end", "out of memory while loading: the state reached its cap (memory = 8 MiB)", 500),
    ] as [(String?, String, Int)])
    func aFailingPreloadIsAnErrorNamingItAndNoStateIsKept(source: String?, expected: String, status: Int) throws {
        let (engine, preload) = try engine(source, ["watchdog": .number(0.2), "memory": .integer(8)])
        let script = try engine.write("page.lua", #"function main(env, con) con:puts("ran") end"#)
        let sink = engine.run("page.lua")
        let message = "preload \(preload) (for \(script)): " + expected.replacingOccurrences(of: "PRELOAD", with: preload)
        #expect(sink.status == status)
        #expect(engine.log.messages.contains { $0.hasPrefix(message) }, "\(engine.log.messages)")
        #expect(engine.log.level(ofMessageContaining: "preload \(preload)") == .error)
        #expect(sink.body.contains(ErrorPage.escapeHTML("preload \(preload): ")), "\(sink.body)")
        #expect(engine.runner.pool.count(of: script) == 0)
    }

    @Test func syntaxAndRuntimeErrorsInThePreloadSayWhereWithATraceback() throws {
        let (engine, _) = try engine("x = = 1")
        try engine.write("page.lua", "function main(env, con) end")
        #expect(engine.run("page.lua").status == 500)
        #expect(engine.log.messages.contains { $0.contains("preload.lua:1: unexpected symbol near '='") })
    }

    @Test func aRuntimeErrorInThePreloadIsLoggedWithItsTraceback() throws {
        let (engine, _) = try engine("local function helper() error('boom') end\nhelper()")
        try engine.write("page.lua", "function main(env, con) end")
        let sink = engine.run("page.lua")
        #expect(sink.status == 500)
        // Lua shortens long chunk names from the front (LUA_IDSIZE): the file's name stays.
        #expect(engine.log.messages.contains { $0.contains("preload.lua:1: boom\nstack traceback:") && $0.contains("preload.lua:2: in main chunk") })
        #expect(sink.body.contains("preload.lua:1: boom"))
    }

    @Test func aPreloadThatIsNotARegularFileIs500() throws {
        let (engine, preload) = try engine(nil)
        try FileManager.default.createDirectory(atPath: preload, withIntermediateDirectories: false)
        try engine.write("page.lua", "function main(env, con) end")
        #expect(engine.run("page.lua").status == 500)
        #expect(engine.log.messages.contains { $0.contains("preload \(preload)") && $0.contains("not a regular file (a directory)") }, "\(engine.log.messages)")
    }

    @Test func withoutShowerrorsThePageSaysNothingOfThePreload() throws {
        let (engine, preload) = try engine("error('secret')", ["showerrors": .boolean(false)])
        try engine.write("page.lua", "function main(env, con) end")
        let sink = engine.run("page.lua")
        #expect(sink.status == 500)
        #expect(!sink.body.contains("secret") && !sink.body.contains(preload))
    }
}
