import Foundation
import Testing

@testable import luafcgid_load

/// The command line is the benchmark runner's contract: these pin what it accepts and refuses.
@Suite struct LoadCommandTests {
    private static let base = ["--connect", "unix:/tmp/s.sock", "--script", "/srv/hello.lua"]

    private func plan(_ arguments: [String]) throws -> LoadPlan {
        try LoadCommand.parse(Self.base + arguments).makePlan()
    }

    @Test func defaultsAreSixteenKeptConnectionsOfDepthOneForFiveSecondsAfterOne() throws {
        let plan = try self.plan([])
        #expect(
            plan
                == LoadPlan(
                    target: .unix(path: "/tmp/s.sock"),
                    scripts: ["/srv/hello.lua"],
                    connections: 16,
                    depth: 1,
                    keepConnection: true,
                    stop: .duration(seconds: 5, warmup: 1),
                    postBytes: 0
                ))
        #expect(try LoadCommand.parse(Self.base).json == false)
    }

    @Test func everyOptionReachesThePlan() throws {
        let plan = try self.plan([
            "--script", "/srv/b.lua", "--connections", "4", "--depth", "8", "--keep-conn",
            "--duration", "2.5", "--warmup", "0", "--post-bytes", "10240",
        ])
        #expect(plan.scripts == ["/srv/hello.lua", "/srv/b.lua"])
        #expect(plan.connections == 4)
        #expect(plan.depth == 8)
        #expect(plan.keepConnection)
        #expect(plan.stop == .duration(seconds: 2.5, warmup: 0))
        #expect(plan.postBytes == 10240)
        #expect(try LoadCommand.parse(Self.base + ["--json"]).json)
    }

    @Test func noKeepConnClearsTheFlag() throws {
        #expect(try self.plan(["--no-keep-conn"]).keepConnection == false)
    }

    @Test func requestsIsACountWithoutWarmup() throws {
        #expect(try self.plan(["--requests", "100", "--connections", "1"]).stop == .count(100))
    }

    @Test(arguments: [
        ["--depth", "2", "--no-keep-conn"],
        ["--depth", "0"],
        ["--depth", "1025"],
        ["--connections", "0"],
        ["--requests", "0"],
        ["--requests", "10", "--duration", "5"],
        ["--requests", "10", "--warmup", "1"],
        ["--duration", "0"],
        ["--warmup", "-1"],
        ["--post-bytes", "-1"],
        ["--post-bytes", "67108865"],
        ["--depth", "1024", "--post-bytes", "67108864"],
    ])
    func refusesOptionsThatDoNotGoTogether(arguments: [String]) {
        #expect(throws: (any Error).self) {
            try LoadCommand.parse(Self.base + arguments)
        }
    }

    @Test(arguments: ["/tmp/s.sock", "http://127.0.0.1:9000", "tcp:127.0.0.1", "tcp:127.0.0.1:0", "unix:"])
    func refusesAnAddressWithoutAKnownScheme(address: String) {
        #expect(throws: (any Error).self) {
            try LoadCommand.parse(["--connect", address, "--script", "/srv/hello.lua"])
        }
    }

    @Test func needsAScript() {
        #expect(throws: (any Error).self) {
            try LoadCommand.parse(["--connect", "unix:/tmp/s.sock"])
        }
    }

    @Test func readsTheScriptListSkippingBlankLinesAndComments() throws {
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("luafcgid-load-\(UUID()).txt")
        try "# scripts\n/srv/a.lua\n\n  /srv/b.lua  \n".write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }
        let plan = try LoadCommand.parse(["--connect", "unix:/s", "--script-list", list.path]).makePlan()
        #expect(plan.scripts == ["/srv/a.lua", "/srv/b.lua"])
    }

    @Test func anUnreadableOrEmptyScriptListIsAUsageError() throws {
        #expect(throws: (any Error).self) {
            try LoadCommand.parse(["--connect", "unix:/s", "--script-list", "/nonexistent/list.txt"])
        }
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("luafcgid-load-\(UUID()).txt")
        try "# nothing\n\n".write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }
        #expect(throws: (any Error).self) {
            try LoadCommand.parse(["--connect", "unix:/s", "--script-list", list.path])
        }
    }

    @Test func aRelativeScriptIsTakenFromTheCurrentDirectory() throws {
        let plan = try LoadCommand.parse(["--connect", "unix:/s", "--script", "www/a.lua"]).makePlan()
        #expect(plan.scripts == [FileManager.default.currentDirectoryPath + "/www/a.lua"])
    }
}
