import Foundation
import Testing

/// The ping and status pages and the access log (SPEC §2, §6; docs/status.md)
/// through nginx, each page through its own `location =` block.
@Suite("Status, ping and access log")
struct OperationsPagesTests {
    static let pages = """
        status = "\(NginxServer.statusPagePath)"
        ping = "\(NginxServer.pingPagePath)"
        """

    static let scripts = [
        "hello.lua": #"function main(env, con) con:puts("hello") end"#,
        "fail.lua": #"function main(env, con) error("on purpose") end"#,
        // Holds its worker until the test writes www/release (at most 20 s).
        "slow.lua": """
            function main(env, con)
              local flag = env.DOCUMENT_ROOT .. "/release"
              for i = 1, 400 do
                local f = io.open(flag)
                if f then f:close() break end
                os.execute("sleep 0.05")
              end
              con:puts("done")
            end
            """,
    ]

    @Test("ping answers pong; status counts every answer by class, per script, with latency; Prometheus text with per-script labels")
    func pingAndStatusThroughNginx() async throws {
        try await withStack(config: Self.pages + "\nworkers = 2\nstates = 3", scripts: Self.scripts) { stack in
            #expect(try await stack.get("/hello.lua").status == 200)
            #expect(try await stack.get("/missing.lua").status == 404)
            #expect(try await stack.get("/fail.lua").status == 500)

            let ping = try await stack.get(NginxServer.pingPagePath)
            #expect(ping.status == 200 && ping.body == "pong", "\(ping)\n\(stack.diagnostics)")
            #expect(ping.header("Content-Type")?.hasPrefix("text/plain") == true, "\(ping)")

            let status = try await stack.get(NginxServer.statusPagePath)
            #expect(status.status == 200, "\(status)\n\(stack.diagnostics)")
            #expect(status.header("Content-Type") == "application/json", "\(status)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any], "\(status.body)")
            let requests = try #require(json["requests"] as? [String: Int], "\(status.body)")
            // hello, ping (2xx), missing (4xx), fail (5xx); the status page counts once it is answered.
            #expect(requests == ["total": 4, "1xx": 0, "2xx": 2, "3xx": 0, "4xx": 1, "5xx": 1], "\(status.body)")
            #expect(json["workers"] as? Int == 2 && json["running"] as? Int == 0 && json["waiting"] as? Int == 0, "\(status.body)")
            #expect(json["states"] as? [String: Int] == ["alive": 2, "max": 3], "\(status.body)")
            #expect(json["loads"] as? Int == 2 && json["evictions"] as? Int == 0 && json["reloads"] as? Int == 0, "\(status.body)")
            #expect(json["timeouts"] as? Int == 0 && json["memory_errors"] as? Int == 0, "\(status.body)")
            #expect((json["uptime_seconds"] as? Double ?? -1) >= 0, "\(status.body)")
            let latency = try #require(json["latency_ms"] as? [String: Double], "\(status.body)")
            #expect(Set(latency.keys) == ["p50", "p90", "p99"] && latency["p50"]! <= latency["p99"]!, "\(status.body)")
            let scripts = try #require(json["scripts"] as? [[String: Any]], "\(status.body)")
            let helloPath = stack.www.appendingPathComponent("hello.lua").path
            let hello = try #require(scripts.first { $0["path"] as? String == helloPath }, "\(status.body)")
            #expect(hello["states"] as? Int == 1 && hello["requests"] as? Int == 1, "\(status.body)")
            #expect((hello["memory_bytes"] as? Int ?? 0) > 10_000, "\(status.body)")
            let lastLoad = try #require(hello["last_load"] as? String, "\(status.body)")
            #expect(lastLoad.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "\(lastLoad)")

            let prometheus = try await stack.get(NginxServer.statusPagePath + "?format=prometheus")
            #expect(prometheus.status == 200, "\(prometheus)")
            #expect(prometheus.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true, "\(prometheus)")
            let lines = Set(prometheus.body.split(separator: "\n").map(String.init))
            // Counted by now: hello, missing, fail, ping and the JSON status page.
            for line in [
                #"luafcgid_requests_total{class="2xx"} 3"#, #"luafcgid_requests_total{class="4xx"} 1"#,
                #"luafcgid_requests_total{class="5xx"} 1"#, "luafcgid_request_duration_seconds_count 5",
                "luafcgid_workers 2.0", "luafcgid_states_alive 2.0", "luafcgid_loads_total 2",
                "luafcgid_script_requests_total{script=\"\(helloPath)\"} 1",
                "luafcgid_script_states{script=\"\(helloPath)\"} 1.0",
                "# TYPE luafcgid_request_duration_seconds histogram",
            ] {
                #expect(lines.contains(line), "\(line) in\n\(prometheus.body)")
            }
        }
    }

    @Test("ping and status answer at once while every worker runs a long request; status shows them running and waiting")
    func pagesAnswerWhileEveryWorkerIsBusy() async throws {
        try await withStack(config: Self.pages + "\nworkers = 2", scripts: Self.scripts) { stack in
            let slow = try [stack.curl.start("/slow.lua"), stack.curl.start("/slow.lua")]
            defer { slow.forEach { $0.kill() } }
            try await poll("both workers to run slow.lua\n\(stack.diagnostics)") {
                try await Self.status(stack)["running"] as? Int == 2
            }
            let third = try stack.curl.start("/slow.lua")
            defer { third.kill() }
            try await poll("a third request to wait in the queue\n\(stack.diagnostics)") {
                try await Self.status(stack)["waiting"] as? Int == 1
            }
            let clock = ContinuousClock()
            for _ in 0..<5 {
                let start = clock.now
                let ping = try await stack.get(NginxServer.pingPagePath)
                let took = clock.now - start
                #expect(ping.status == 200 && ping.body == "pong", "\(ping)")
                #expect(took < .seconds(2), "ping took \(took) while the workers were busy")
            }
            let busy = try await Self.status(stack)
            #expect(busy["running"] as? Int == 2 && busy["workers"] as? Int == 2 && busy["waiting"] as? Int == 1, "\(busy)")

            try stack.writeScript("release", "")
            for transfer in slow + [third] {
                let response = try await transfer.response()
                #expect(response.status == 200 && response.body == "done", "\(response)")
            }
            let after = try await Self.status(stack)
            #expect(after["running"] as? Int == 0 && after["waiting"] as? Int == 0, "\(after)")
        }
    }

    @Test("the access log has one line per request: time, method, script or path, status, bytes, duration")
    func accessLogLines() async throws {
        // Next to the socket, in the test's directory (the harness's config sets `listen` first).
        let config = #"accesslog = listen:match("^unix:(.*/)") .. "access.log""#
        try await withStack(config: config, scripts: Self.scripts) { stack in
            #expect(try await stack.get("/hello.lua").status == 200)
            #expect(try await stack.get("/missing.lua").status == 404)
            #expect(try await stack.get("/fail.lua").status == 500)
            let file = stack.directory.file("access.log")
            var lines: [[Substring]] = []
            try await poll("three lines in the access log") {
                let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: false) }
                return lines.count >= 3
            }
            #expect(lines.count == 3, "\(lines)")
            // The script that ran, else (no script ran: 404) the request path; the error pages' sizes vary.
            let expected: [(target: String, status: String, bytes: String?)] = [
                (stack.www.appendingPathComponent("hello.lua").path, "200", "5"),
                ("/missing.lua", "404", nil),
                (stack.www.appendingPathComponent("fail.lua").path, "500", nil),
            ]
            for (line, want) in zip(lines, expected) {
                #expect(line.count == 6, "\(line)")
                guard line.count == 6 else { continue }
                #expect(line[0].wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(line)")
                #expect(line[1] == "GET" && line[2] == want.target && line[3] == want.status, "\(line)")
                if let bytes = want.bytes { #expect(line[4] == bytes, "\(line)") }
                #expect(Int(line[4]) != nil && line[5].wholeMatch(of: /\d+\.\d{3}/) != nil, "\(line)")
            }
        }
    }

    /// The status page's JSON.
    static func status(_ stack: Stack) async throws -> [String: Any] {
        let response = try await stack.get(NginxServer.statusPagePath)
        guard response.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        else { throw HarnessError("status page: \(response)") }
        return json
    }
}
