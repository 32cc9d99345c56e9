import Foundation
import Testing

/// The operator's signals on the real binary (SPEC §6, docs/deploy.md): SIGHUP and
/// SIGUSR2 reload, SIGUSR1 reopens the log, SIGTERM/SIGINT/SIGQUIT stop gracefully,
/// SIGPIPE is ignored.
@Suite("Signals")
struct SignalTests {
    /// Counts its requests per state, and shows a setting: a reload that closed the
    /// states starts the count again, and the new value shows.
    static let counter = """
        count = 0
        function main(env, con)
          count = count + 1
          con:puts(count, " ", con:config("maxpost"))
        end
        """

    /// Says it runs (`<script>.running`), then waits in `con:gets` until its body
    /// ends: a request held running, on a worker.
    static let held = """
        function main(env, con)
          local running = assert(io.open(env.SCRIPT_FILENAME .. ".running", "w"))
          running:close()
          local body = con:gets() or ""
          con:puts("held ", #body)
        end
        """

    @Test("SIGHUP applies a changed config: the idle states are closed, the new value shows, the log says what changed")
    func reloadApplies() async throws {
        try await withStack(scripts: ["counter.lua": Self.counter], nginx: nil) { stack in
            let script = stack.www.appendingPathComponent("counter.lua").path
            #expect(try await body(stack, script) == "1 1048576")
            #expect(try await body(stack, script) == "2 1048576")
            try stack.luafcgid.appendToConfig("maxpost = 2048")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "SIGHUP: reloaded")
            #expect(stack.luafcgid.log.contains("changed: maxpost 1048576 → 2048"), "\(stack.diagnostics)")
            #expect(try await body(stack, script) == "1 2048", "\(stack.diagnostics)")
            #expect(try await body(stack, script) == "2 2048")
        }
    }

    @Test(
        "SIGHUP with an invalid config keeps the running one, and the log says why",
        arguments: [
            ("workers = \"many\"", "setting 'workers' must be a whole number"),
            ("listen = ", "unexpected symbol"),
            ("error(\"refused on purpose\")", "refused on purpose"),
        ])
    func invalidConfigIsKeptOut(text: String, reason: String) async throws {
        try await withStack(scripts: ["counter.lua": Self.counter], nginx: nil) { stack in
            let script = stack.www.appendingPathComponent("counter.lua").path
            #expect(try await body(stack, script) == "1 1048576")
            try stack.luafcgid.appendToConfig("maxpost = 2048\n\(text)")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "SIGHUP: not reloaded, the running configuration stays")
            #expect(stack.luafcgid.log.contains(reason), "\(stack.diagnostics)")
            // Nothing changed: the same state goes on counting under the old maxpost.
            #expect(try await body(stack, script) == "2 1048576", "\(stack.diagnostics)")
            #expect(stack.luafcgid.process.isRunning)
        }
    }

    @Test("SIGHUP rebinds a changed listen; an address that cannot be bound keeps the old configuration")
    func reloadRebinds() async throws {
        try await withStack(scripts: ["counter.lua": Self.counter], nginx: nil) { stack in
            let script = stack.www.appendingPathComponent("counter.lua").path
            let first = stack.luafcgid.socketPath
            let second = stack.directory.file("second.sock").path
            try stack.luafcgid.appendToConfig("listen = \"unix:\(second)\"")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "no longer listening on unix:\(first)")
            #expect(UnixSocket.acceptsConnections(at: second))
            #expect(!FileManager.default.fileExists(atPath: first), "the old socket file is removed")
            let client = try FastCGIClient(socketPath: second)
            let response = try await client.request(Self.get(script))
            #expect(response.body == "1 1048576", "\(stack.diagnostics)")

            // A directory that does not exist: the bind fails, nothing else changes.
            try stack.luafcgid.appendToConfig("listen = \"unix:\(stack.directory.path)/missing/third.sock\"\nmaxpost = 4096")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "not reloaded")
            #expect(stack.luafcgid.log.contains("cannot listen on unix:\(stack.directory.path)/missing/third.sock"))
            let again = try await client.request(Self.get(script))
            #expect(again.body == "2 1048576", "the same state, the old maxpost: \(stack.diagnostics)")
        }
    }

    @Test("SIGHUP changes workers in place: with the one worker held, a queued request runs on the new second worker")
    func reloadAddsWorkers() async throws {
        try await withStack(
            config: "workers = 1", scripts: ["counter.lua": Self.counter, "held.lua": Self.held], nginx: nil
        ) { stack in
            let holder = try FastCGIClient(socketPath: stack.luafcgid.socketPath, timeout: .seconds(30))
            try await holder.begin(Self.params(stack.www.appendingPathComponent("held.lua").path))
            try await poll("the held request to run") { Self.isRunning(stack, "held.lua") }
            // The one worker is in the handler; the next request waits in the queue.
            let (socket, counter) = (stack.luafcgid.socketPath, stack.www.appendingPathComponent("counter.lua").path)
            let waiting = Task {
                try await FastCGIClient(socketPath: socket, timeout: .seconds(30)).request(Self.get(counter))
            }
            try stack.luafcgid.appendToConfig("workers = 2")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "workers 1 → 2")
            let served = try await waiting.value
            #expect(served.body == "1 1048576", "\(stack.diagnostics)")
            // The held request was neither cut nor lost.
            let held = try await holder.finishBody("12345")
            #expect(held.body == "held 5", "\(stack.diagnostics)")
        }
    }

    @Test("SIGUSR1 reopens the log file: after a rename, entries go to a new file of the configured name")
    func usr1ReopensTheLog() async throws {
        try await withStack(config: "", scripts: ["counter.lua": Self.counter], nginx: nil) { stack in
            let log = stack.directory.file("main.log").path
            try stack.luafcgid.appendToConfig("logfile = \"\(log)\"")
            stack.luafcgid.process.send(SIGHUP)
            try await poll("the reload to reach \(log)") { Self.text(of: log).contains("SIGHUP: reloaded") }
            let rotated = log + ".1"
            #expect(rename(log, rotated) == 0)
            stack.luafcgid.process.send(SIGUSR1)
            try await poll("a new \(log) with the reopen entry") { Self.text(of: log).contains("SIGUSR1: log files reopened") }
            _ = try await stack.cgiFCGI(["SCRIPT_FILENAME": stack.www.appendingPathComponent("missing.lua").path])
            try await poll("the 404 entry in the new file") { Self.text(of: log).contains("missing.lua") }
            #expect(!Self.text(of: rotated).contains("SIGUSR1"), "the rotated file is let go")
            #expect(Self.text(of: rotated).contains("SIGHUP: reloaded"))
        }
    }

    @Test("SIGHUP that names an access log starts writing it; the status page counts the states the reload closed")
    func reloadOpensTheAccessLog() async throws {
        try await withStack(scripts: ["counter.lua": Self.counter], nginx: nil) { stack in
            let script = stack.www.appendingPathComponent("counter.lua").path
            #expect(try await body(stack, script) == "1 1048576")
            let accessLog = stack.directory.file("access.log").path
            try stack.luafcgid.appendToConfig("accesslog = \"\(accessLog)\"\nstatus = \"/status\"")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "SIGHUP: reloaded")
            #expect(try await body(stack, script) == "1 1048576")
            try await poll("the access log line") { Self.text(of: accessLog).contains(" GET \(script) 200 ") }
            let status = try await stack.cgiFCGI(["SCRIPT_NAME": "/status", "SCRIPT_FILENAME": "/nonexistent/status"])
            #expect(status.response.body.contains(#""reloads":1"#), "\(status.response.body)")
        }
    }

    @Test("SIGPIPE is ignored, SIGUSR2 reloads as SIGHUP does, SIGQUIT stops gracefully")
    func otherSignals() async throws {
        try await withStack(scripts: ["counter.lua": Self.counter], nginx: nil) { stack in
            let script = stack.www.appendingPathComponent("counter.lua").path
            #expect(try await body(stack, script) == "1 1048576")
            stack.luafcgid.process.send(SIGPIPE)
            #expect(try await body(stack, script) == "2 1048576", "\(stack.diagnostics)")
            stack.luafcgid.process.send(SIGUSR2)
            try await stack.luafcgid.waitForLog(containing: "SIGUSR2: reloaded")
            #expect(try await body(stack, script) == "1 1048576", "the reload closed the state")
            stack.luafcgid.process.send(SIGQUIT)
            let status = try await stack.luafcgid.process.waitForExit(timeout: .seconds(15))
            #expect(status == .exited(0), "\(stack.diagnostics)")
        }
    }

    @Test("SIGTERM: a running request finishes, __gc finalizers run, the socket and pid files go, exit 0")
    func termIsGraceful() async throws {
        let finalized = "finalized.txt"
        try await withStack(scripts: ["held.lua": Self.held], nginx: nil) { stack in
            let marker = stack.directory.file(finalized).path
            let pidFile = stack.directory.file("luafcgid.pid").path
            try stack.writeScript("gc.lua", """
                keeper = setmetatable({}, {__gc = function()
                  local file = assert(io.open("\(marker)", "a"))
                  file:write("closed\\n")
                  file:close()
                end})
                function main(env, con) con:puts("kept") end
                """)
            try stack.luafcgid.appendToConfig("pidfile = \"\(pidFile)\"")
            stack.luafcgid.process.send(SIGHUP)
            try await poll("the pid file") { Self.text(of: pidFile) == "\(stack.luafcgid.process.pid)\n" }
            let kept = try await stack.cgiFCGI(["SCRIPT_FILENAME": stack.www.appendingPathComponent("gc.lua").path])
            #expect(kept.response.body == "kept")

            let holder = try FastCGIClient(socketPath: stack.luafcgid.socketPath, timeout: .seconds(30))
            try await holder.begin(Self.params(stack.www.appendingPathComponent("held.lua").path))
            try await poll("the held request to run") { Self.isRunning(stack, "held.lua") }
            stack.luafcgid.process.send(SIGTERM)
            try await poll("the socket file to go") { !FileManager.default.fileExists(atPath: stack.luafcgid.socketPath) }
            #expect(stack.luafcgid.process.isRunning, "it waits for the running request")
            let held = try await holder.finishBody("12345")
            #expect(held.body == "held 5", "\(stack.diagnostics)")
            let status = try await stack.luafcgid.process.waitForExit(timeout: .seconds(15))
            #expect(status == .exited(0), "\(stack.diagnostics)")
            #expect(Self.text(of: marker) == "closed\n", "the state of gc.lua was closed and its finalizer ran")
            #expect(!FileManager.default.fileExists(atPath: pidFile), "the pid file is removed")
        }
    }

    // MARK: Helpers

    private func body(_ stack: Stack, _ script: String) async throws -> String {
        try await stack.cgiFCGI(["SCRIPT_FILENAME": script]).response.body
    }

    static func get(_ script: String) -> [String: String] {
        ["SCRIPT_FILENAME": script, "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1"]
    }

    /// A POST of 5 bytes, for `held.lua` with `FastCGIClient.begin`.
    static func params(_ script: String) -> [String: String] {
        ["SCRIPT_FILENAME": script, "REQUEST_METHOD": "POST", "CONTENT_LENGTH": "5", "SERVER_PROTOCOL": "HTTP/1.1"]
    }

    static func text(of path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Whether `held.lua`'s handler has begun (it leaves `<script>.running`).
    static func isRunning(_ stack: Stack, _ script: String) -> Bool {
        FileManager.default.fileExists(atPath: stack.www.appendingPathComponent(script + ".running").path)
    }
}
