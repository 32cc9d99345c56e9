import Foundation
import Testing

/// contrib/logrotate/luafcgid as shipped, run by the real `logrotate -f`
/// against a private state file, with only its paths (/var/log/luafcgid,
/// /run/luafcgid) pointed into the test's directory: the files are renamed,
/// the postrotate line finds luafcgid through its `pidfile` and sends
/// SIGUSR1, and luafcgid writes on into the new files while it goes on serving.
@Suite("logrotate with contrib/logrotate/luafcgid")
struct LogrotateTests {
    /// Logs its query string through `con:log`: a line in the main log that a
    /// test can ask for.
    private static let marker = """
        function main(env, con)
          con:log("marker " .. env.QUERY_STRING)
          con:puts("logged ", env.QUERY_STRING)
        end
        """

    @Test("the main log is rotated and luafcgid writes on into the new file")
    func rotatesMainLog() async throws {
        try await withRotatableServer { server in
            _ = try await server.request("before")
            try await server.waitFor("log/luafcgid.log", toContain: "marker before")

            try await server.rotate()

            let old = try server.read("log/luafcgid.log.1")
            #expect(old.contains("marker before"), "the rotated file keeps the old lines:\n\(old)")
            let response = try await server.request("after")
            #expect(response.status == 200 && response.body == "logged after", "\(response)")
            try await server.waitFor("log/luafcgid.log", toContain: "marker after")
            #expect(!(try server.read("log/luafcgid.log.1")).contains("marker after"), "written to the old file")
            #expect(!(try server.read("log/luafcgid.log")).contains("marker before"))
        }
    }

    @Test("the access log is rotated and luafcgid writes on into the new file")
    func rotatesAccessLog() async throws {
        try await withRotatableServer { server in
            _ = try await server.request("before")
            try await server.waitFor("log/access.log", toContain: "marker.lua")

            try await server.rotate()

            #expect(try server.read("log/access.log.1").contains("marker.lua"))
            let response = try await server.request("after")
            #expect(response.status == 200, "\(response)")
            try await server.waitFor("log/access.log", toContain: "marker.lua")
        }
    }

    /// luafcgid with `logfile`, `accesslog` and `pidfile` in `<dir>/log/` and
    /// `<dir>/run/` (the shipped /var/log/luafcgid and /run/luafcgid), serving
    /// `marker.lua`; stopped by its PID afterwards.
    private func withRotatableServer(_ body: (RotatableServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let logs = try directory.makeDirectory("log").path
        let run = try directory.makeDirectory("run").path
        try directory.write("www/marker.lua", Self.marker)
        let config = """
            logfile = "\(logs)/luafcgid.log"
            accesslog = "\(logs)/access.log"
            pidfile = "\(run)/luafcgid.pid"
            """
        let luafcgid = try await LuafcgidServer.start(in: directory, config: config)
        let server = RotatableServer(directory: directory, luafcgid: luafcgid)
        do {
            let pidfile = directory.file("run/luafcgid.pid")
            try await poll("luafcgid to write its pidfile \(pidfile.path)") {
                (try? String(contentsOf: pidfile, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) == String(luafcgid.process.pid)
            }
            try await body(server)
            let still = try await server.request("last")
            #expect(still.status == 200, "luafcgid still serves after the rotation")
        } catch {
            await luafcgid.stop()
            throw error
        }
        #expect(await luafcgid.stop() == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/luafcgid.pid").path), "pidfile removed at exit")
    }
}

/// The server of one logrotate test and what the test does with it.
private struct RotatableServer {
    let directory: TemporaryDirectory
    let luafcgid: LuafcgidServer

    func request(_ query: String) async throws -> HTTPResponse {
        let params = [
            "PATH": "/usr/bin:/bin", "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1",
            "SCRIPT_FILENAME": directory.path + "/www/marker.lua", "SCRIPT_NAME": "/marker.lua",
            "QUERY_STRING": query,
        ]
        return try await CGIFCGI.request(
            socketPath: luafcgid.socketPath, params: params, directory: directory).response
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: directory.file(name), encoding: .utf8)
    }

    /// Polls: a log line may come after the response that caused it.
    func waitFor(_ name: String, toContain text: String) async throws {
        try await poll("\(name) to contain \"\(text)\"; it has:\n\((try? read(name)) ?? "(no file)")") {
            ((try? read(name)) ?? "").contains(text)
        }
    }

    /// `logrotate -f -s <dir>/logrotate.state <dir>/logrotate.conf`, the conf
    /// being contrib/logrotate/luafcgid with its paths replaced; fails on a
    /// non-zero exit or anything on standard error.
    func rotate() async throws {
        let conf = try ContribFile("logrotate/luafcgid").replacing([
            ("/var/log/luafcgid", directory.path + "/log"),
            ("/run/luafcgid", directory.path + "/run"),
        ])
        let confURL = try directory.write("logrotate.conf", conf)
        let (logrotate, status) = try await ChildProcess.run(
            name: "logrotate", executable: URL(fileURLWithPath: "/usr/sbin/logrotate"),
            arguments: ["-f", "-s", directory.path + "/logrotate.state", confURL.path], directory: directory.url)
        guard status == .exited(0), logrotate.standardError.isEmpty else {
            throw HarnessError("logrotate (\(status)):\n\(logrotate.standardError)")
        }
    }
}
