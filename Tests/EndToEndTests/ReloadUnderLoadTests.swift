import Foundation
import Testing

/// SIGHUP while nginx drives luafcgid at full speed (SPEC §6): no request may be
/// refused or lost across reloads, on new connections or kept-alive ones.
@Suite("Reload under load")
struct ReloadUnderLoadTests {
    static let reloads = 5
    static let seconds = 8

    @Test("wrk through nginx across 5 SIGHUPs that change workers, states and maxpost: zero errors, plain and kept-alive")
    func fiveReloadsUnderWrk() async throws {
        guard FileManager.default.isExecutableFile(atPath: WrkRun.executable.path) else {
            throw HarnessError("wrk not found at \(WrkRun.executable.path): run scripts/bootstrap (installs wrk)")
        }
        try await withStack(config: "workers = 2", scripts: ["hello.lua": Scripts.hits], nginxProfile: .load) { stack in
            let port = try #require(stack.nginx?.tcpPort)
            let runs = try [("plain", "/hello.lua"), ("kept", "\(NginxServer.keptPrefix)/hello.lua")].map { name, path in
                try ChildProcess(
                    name: "wrk/\(name)", executable: WrkRun.executable,
                    arguments: ["-t1", "-c8", "-d\(Self.seconds)s", "--timeout", "5s", "http://127.0.0.1:\(port)\(path)"],
                    directory: stack.directory.url)
            }
            // Each reload waits for the one before to be logged; they spread over the run.
            let gap = Duration.milliseconds(Self.seconds * 1000 / (Self.reloads + 2))
            for index in 1...Self.reloads {
                try await Task.sleep(for: gap)  // pacing the reloads over wrk's run, not synchronisation
                try stack.luafcgid.appendToConfig("workers = \(2 + index % 2)\nstates = \(4 + index)\nmaxpost = \(1_048_576 + index)")
                stack.luafcgid.process.send(SIGHUP)
                try await poll("reload \(index) in the log") {
                    stack.luafcgid.log.components(separatedBy: "SIGHUP: reloaded").count - 1 == index
                }
            }
            for run in runs {
                let status = try await run.waitForExit(timeout: .seconds(Self.seconds + 30))
                let output = String(decoding: run.standardOutput, as: UTF8.self)
                #expect(status == .exited(0), "\(run.name): \(output)")
                #expect(output.contains("requests in"), "\(run.name): \(output)")
                #expect(!output.contains("Non-2xx"), "\(run.name) got error answers: \(output)\n\(stack.diagnostics)")
                #expect(!output.contains("Socket errors"), "\(run.name) lost requests: \(output)\n\(stack.diagnostics)")
                #expect(Self.requests(in: output) > 500, "\(run.name) ran too few requests to mean much: \(output)")
            }
            #expect(!stack.luafcgid.log.contains("not reloaded"), "\(stack.diagnostics)")
            #expect(!stack.luafcgid.log.contains(" 503"), "\(stack.diagnostics)")
        }
    }

    /// wrk's "N requests in Ts" count.
    static func requests(in output: String) -> Int {
        output.split(separator: "\n").lazy
            .compactMap { line -> Int? in
                let words = line.split(separator: " ")
                guard words.count >= 3, words[1] == "requests", words[2] == "in" else { return nil }
                return Int(words[0])
            }
            .first ?? 0
    }
}
