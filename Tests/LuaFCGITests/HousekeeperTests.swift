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
}
