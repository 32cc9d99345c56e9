import Foundation
import Testing

/// Bad script paths (SPEC §3.1): each is answered at once with 404, 403 or 500
/// and one log line naming the path and why; none holds a worker.
@Suite("Bad paths")
struct BadPathTests {
    private static let ok = "function main(env, con) con:puts('ok') end\n"

    @Test("a FIFO named x.lua gives 404 at once; with one worker, the next request is served")
    func fifo() async throws {
        try await withStack(config: "workers = 1", scripts: ["ok.lua": Self.ok]) { stack in
            let fifo = stack.www.appendingPathComponent("fifo.lua").path
            #expect(mkfifo(fifo, 0o644) == 0)
            let started = ContinuousClock.now
            let response = try await stack.get("/fifo.lua")
            #expect(response.status == 404, "\(stack.diagnostics)")
            #expect(ContinuousClock.now - started < .seconds(2))
            let next = try await stack.get("/ok.lua")
            #expect(next.status == 200, "\(stack.diagnostics)")
            #expect(next.body == "ok")
            try await stack.luafcgid.waitForLog(containing: "INFO 404: \(fifo): not a regular file (a FIFO)")
        }
    }

    @Test("a directory named x.lua gives 404")
    func directory() async throws {
        try await withStack(scripts: ["dir.lua/index.lua": Self.ok]) { stack in
            let response = try await stack.get("/dir.lua")
            #expect(response.status == 404, "\(stack.diagnostics)")
            try await stack.luafcgid.waitForLog(
                containing: "404: \(stack.www.appendingPathComponent("dir.lua").path): not a regular file (a directory)")
        }
    }

    @Test("a `..` segment in SCRIPT_FILENAME gives 403, though the file exists (cgi-fcgi)")
    func dotDot() async throws {
        try await withStack(scripts: ["ok.lua": Self.ok, "sub/other.lua": Self.ok], nginx: nil) { stack in
            let path = stack.www.path + "/sub/../ok.lua"
            let result = try await stack.cgiFCGI(["SCRIPT_FILENAME": path])
            #expect(result.response.status == 403, "\(result.raw)\n\(stack.diagnostics)")
            #expect(!result.response.body.contains("ok\n"))
            try await stack.luafcgid.waitForLog(containing: "WARNING 403: \(path): the path has a `..` segment")
        }
    }

    /// An environment variable cannot hold a NUL, so this one goes through the FastCGI client.
    @Test("a NUL in SCRIPT_FILENAME gives 404; the file before the NUL does not run")
    func nul() async throws {
        try await withStack(scripts: ["secret.txt": "function main(env, con) con:puts('ran') end\n"], nginx: nil) { stack in
            let secret = stack.www.appendingPathComponent("secret.txt").path
            let client = try FastCGIClient(socketPath: stack.luafcgid.socketPath)
            let response = try await client.request(["SCRIPT_FILENAME": secret + "\0.lua", "REQUEST_METHOD": "GET"])
            #expect(response.status == 404, "\(stack.diagnostics)")
            #expect(!response.body.contains("ran"))
            try await stack.luafcgid.waitForLog(containing: "404: \(secret)\\0.lua: the script path contains a NUL byte")
        }
    }

    @Test("a symlink inside roots pointing outside gives 403; one pointing inside runs")
    func symlinkOutOfRoots() async throws {
        // The config file lies next to www/: roots = { "<dir>/www" }.
        let config = #"roots = { debug.getinfo(1, "S").source:match("^@(.*)/") .. "/www" }"#
        try await withStack(config: config, scripts: ["ok.lua": Self.ok]) { stack in
            let outside = try stack.directory.write("outside/x.lua", Self.ok).path
            let link = stack.www.appendingPathComponent("out.lua").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside)
            try FileManager.default.createSymbolicLink(
                atPath: stack.www.appendingPathComponent("in.lua").path, withDestinationPath: stack.www.path + "/ok.lua")
            let response = try await stack.get("/out.lua")
            #expect(response.status == 403, "\(stack.diagnostics)")
            #expect(try await stack.get("/in.lua").body == "ok")
            try await stack.luafcgid.waitForLog(
                containing: "WARNING 403: \(link): outside the allowed roots (it resolves to \(outside))")
        }
    }

    /// The tests run as root, whom no permission stops: this luafcgid runs as nobody.
    @Test("run as nobody: an unreadable script gives 403, so does a directory it cannot search")
    func permissionDenied() async throws {
        let scripts = ["ok.lua": Self.ok, "secret.lua": Self.ok, "private/x.lua": Self.ok]
        try await withStack(scripts: scripts, user: 65534, nginx: nil) { stack in
            let secret = stack.www.appendingPathComponent("secret.lua").path
            let hidden = stack.www.appendingPathComponent("private/x.lua").path
            #expect(chmod(secret, 0) == 0)
            #expect(chmod(stack.www.appendingPathComponent("private").path, 0o700) == 0)
            let unreadable = try await stack.cgiFCGI(["SCRIPT_FILENAME": secret])
            #expect(unreadable.response.status == 403, "\(unreadable.raw)\n\(stack.diagnostics)")
            let unsearchable = try await stack.cgiFCGI(["SCRIPT_FILENAME": hidden])
            #expect(unsearchable.response.status == 403, "\(unsearchable.raw)\n\(stack.diagnostics)")
            let fine = try await stack.cgiFCGI(["SCRIPT_FILENAME": stack.www.appendingPathComponent("ok.lua").path])
            #expect(fine.response.body == "ok", "\(fine.raw)\n\(stack.diagnostics)")
            try await stack.luafcgid.waitForLog(
                containing: "WARNING 403: \(secret): open: permission denied (the server runs as uid 65534)")
            try await stack.luafcgid.waitForLog(
                containing: "WARNING 403: \(hidden): stat: permission denied (the server runs as uid 65534)")
        }
    }
}
