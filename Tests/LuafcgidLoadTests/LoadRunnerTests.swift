import Foundation
import Logging
import LuaFCGI
import Testing

@testable import luafcgid_load

/// Whole runs against a real luafcgid ``Server`` in-process. Count runs only:
/// they end when their requests have, so nothing here depends on timing.
@Suite struct LoadRunnerTests {
    private func plan(
        _ socket: String,
        scripts: [String],
        connections: Int = 4,
        depth: Int = 1,
        keepConnection: Bool = true,
        requests: Int = 200,
        postBytes: Int = 0
    ) -> LoadPlan {
        LoadPlan(
            target: .unix(path: socket),
            scripts: scripts,
            connections: connections,
            depth: depth,
            keepConnection: keepConnection,
            stop: .count(requests),
            postBytes: postBytes
        )
    }

    @Test func keptConnectionsAnswerEveryRequest() async throws {
        try await TestServer.run { server in
            let report = try LoadRunner.run(self.plan(server.socket, scripts: [server.script("ok.lua")]))
            #expect(report.requests == 200)
            #expect(report.errors == 0)
            #expect(report.non2xx == 0)
            #expect(report.p50 > 0 && report.p50 <= report.p99 && report.p99 <= report.maximum)
        }
    }

    @Test func multiplexedRequestsOnFewConnections() async throws {
        try await TestServer.run { server in
            let report = try LoadRunner.run(
                self.plan(server.socket, scripts: [server.script("ok.lua")], connections: 2, depth: 8, requests: 301))
            #expect(report.requests == 301)
            #expect(report.errors == 0)
        }
    }

    @Test func aConnectionPerRequestWithoutKeepConn() async throws {
        try await TestServer.run { server in
            let report = try LoadRunner.run(
                self.plan(server.socket, scripts: [server.script("ok.lua")], keepConnection: false, requests: 50))
            #expect(report.requests == 50)
            #expect(report.errors == 0)
        }
    }

    @Test func postBodiesArriveWhole() async throws {
        try await TestServer.run { server in
            // ok.lua answers 400 when the body length differs from CONTENT_LENGTH.
            let report = try LoadRunner.run(
                self.plan(server.socket, scripts: [server.script("ok.lua")], depth: 2, requests: 40, postBytes: 70_000))
            #expect(report.requests == 40)
            #expect(report.non2xx == 0)
            #expect(report.errors == 0)
        }
    }

    @Test func scriptsGoRoundRobinAndStatusesAndFailuresAreCounted() async throws {
        try await TestServer.run { server in
            let scripts = ["ok.lua", "missing.lua", "fail.lua", "ok.lua"].map(server.script)
            let report = try LoadRunner.run(self.plan(server.socket, scripts: scripts, connections: 1, requests: 100))
            #expect(report.requests == 75)
            #expect(report.non2xx == 25)
            #expect(report.errors == 25)
            #expect(report.errorsByKind == ["END_REQUEST": 25])
        }
    }

    @Test func aMissingServerEndsWithEveryRequestAnError() throws {
        let report = try LoadRunner.run(self.plan("/nonexistent/luafcgid-load.sock", scripts: ["/srv/ok.lua"], requests: 20))
        #expect(report.requests == 0)
        #expect(report.errors == 20)
        #expect(report.errorsByKind == ["connect": 20])
    }
}

/// A luafcgid ``Server`` on a unix socket in a temporary directory that holds
/// `ok.lua`, which answers 200 — or 400 when the body's length is not
/// CONTENT_LENGTH — and `fail.lua`, which raises an error (500, appStatus 1).
/// `missing.lua` is not there (404, appStatus 0).
private struct TestServer {
    static let scripts = [
        "ok.lua": """
            function main(env, con)
              local length, chunk = 0, con:gets()
              while chunk do length, chunk = length + #chunk, con:gets() end
              if length ~= (tonumber(env.CONTENT_LENGTH) or 0) then con:status(400, "Bad Body") end
              con:header("Content-Type", "text/plain")
              con:puts("hello\\n")
            end
            """,
        "fail.lua": #"function main(env, con) error("fail.lua fails") end"#,
    ]

    let directory: String
    var socket: String { directory + "/luafcgid.sock" }

    /// The path of the script `name` in the server's directory.
    func script(_ name: String) -> String {
        directory + "/" + name
    }

    /// Runs `body` against a started server, and stops the server whatever `body` does.
    static func run(_ body: (TestServer) throws -> Void) async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lfload-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        let testServer = TestServer(directory: url.path)
        for (name, source) in scripts {
            try source.write(toFile: testServer.script(name), atomically: true, encoding: .utf8)
        }
        let server = Server(
            configuration: try Configuration(scriptValues: ["workers": .integer(2), "listen": .string(testServer.socket)]),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await server.start()
        do {
            try body(testServer)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
