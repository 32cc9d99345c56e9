import Foundation
import Logging
import Testing
@testable import LuaFCGI

@Suite struct HousekeeperTests {
    @Test func aSweepClosesIdleStatesOfChangedOrVanishedScripts() throws {
        let engine = try EngineHarness()
        let kept = try engine.write("kept.lua", #"function main(env, con) con:puts("k") end"#)
        let changed = try engine.write("changed.lua", #"function main(env, con) con:puts("c") end"#)
        let vanished = try engine.write("vanished.lua", #"function main(env, con) con:puts("v") end"#)
        for name in ["kept.lua", "changed.lua", "vanished.lua"] { engine.run(name) }
        #expect(engine.runner.pool.count == 3)

        try engine.write("changed.lua", #"function main(env, con) con:puts("changed!") end"#)
        try FileManager.default.removeItem(atPath: vanished)
        let housekeeper = Housekeeper(
            pool: engine.runner.pool, periodMilliseconds: 1000, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        housekeeper.sweep()

        #expect(engine.runner.pool.count(of: kept) == 1)
        #expect(engine.runner.pool.count(of: changed) == 0)
        #expect(engine.runner.pool.count(of: vanished) == 0)
    }

    @Test func filesLoadedByRequireOrDofileCountAsTheScriptsFiles() throws {
        let engine = try EngineHarness()
        try engine.write("lib/helper.lua", #"return { word = "old" }"#)
        let data = try engine.write("data.lua", #"return "data one""#)
        let outside = try ScriptDirectory()
        let unrelated = try outside.write("unrelated.lua", "return 1")
        let page = try engine.write("page.lua", """
            package.path = "\(engine.directory.path)/lib/?.lua;" .. package.path
            local helper = require "helper"
            local data = dofile("\(data)")
            dofile("\(unrelated)")
            function main(env, con) con:puts(helper.word, " ", data) end
            """)
        #expect(engine.run("page.lua").body == "old data one")
        let housekeeper = Housekeeper(
            pool: engine.runner.pool, periodMilliseconds: 1000, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))

        // A file outside the script's tree, read with dofile, is not the script's.
        try outside.write("unrelated.lua", "return 2 -- changed")
        housekeeper.sweep()
        #expect(engine.runner.pool.count(of: page) == 1)

        try engine.write("lib/helper.lua", #"return { word = "new" }"#)
        housekeeper.sweep()
        #expect(engine.runner.pool.count(of: page) == 0)
        #expect(engine.run("page.lua").body == "new data one")

        try engine.write("data.lua", #"return "data two""#)
        housekeeper.sweep()
        #expect(engine.runner.pool.count(of: page) == 0)
        #expect(engine.run("page.lua").body == "new data two")
    }
}
