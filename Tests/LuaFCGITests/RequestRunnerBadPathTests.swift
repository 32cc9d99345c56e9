import Foundation
import Testing
@testable import LuaFCGI

/// Bad script paths through the engine (SPEC §3.1): each gets its status and one
/// log line — the path (cut when huge) and why — at info (404), warning (403)
/// or error (500), and no state is kept for it.
@Suite struct RequestRunnerBadPathTests {
    private static let ran = #"function main(env, con) con:puts("ran") end"#

    @Test func aNULInTheScriptPathIs404AndTheFileBeforeItNeverRuns() throws {
        let engine = try EngineHarness(["extensions": .strings([".lua"])])
        let secret = try engine.write("secret.txt", Self.ran)
        let sink = engine.run("secret.txt\0.lua")
        #expect(sink.status == 404)
        #expect(!sink.body.contains("ran"))
        let line = "404: \(secret)\\0.lua: the script path contains a NUL byte"
        #expect(engine.log.messages.contains(line))
        #expect(engine.log.level(ofMessageContaining: line) == .info)
        #expect(engine.runner.pool.count == 0)
    }

    @Test func aDotDotSegmentIs403AtWarning() throws {
        let engine = try EngineHarness()
        try engine.write("x.lua", Self.ran)
        try engine.write("sub/y.lua", Self.ran)
        let sink = engine.run("sub/../x.lua")
        #expect(sink.status == 403)
        #expect(engine.log.level(ofMessageContaining: "/sub/../x.lua: the path has a `..` segment") == .warning)
    }

    @Test func aHugePathIs404WithAShortLogLine() throws {
        let engine = try EngineHarness()
        let sink = engine.run(String(repeating: "a", count: 100_000) + ".lua")
        #expect(sink.status == 404)
        let line = try #require(engine.log.messages.first { $0.hasPrefix("404: ") })
        #expect(line.utf8.count < 400)
        #expect(line.contains(" bytes): the path is too long ("))
    }

    @Test func aDirectoryFIFOOrDeviceNamedLikeAScriptIs404AndTheNextRequestRuns() throws {
        let engine = try EngineHarness()
        let directory = engine.directory.path
        try FileManager.default.createDirectory(atPath: directory + "/dir.lua", withIntermediateDirectories: false)
        #expect(mkfifo(directory + "/fifo.lua", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/null.lua", withDestinationPath: "/dev/null")
        try engine.write("ok.lua", Self.ran)
        for (name, kind) in [("dir.lua", "a directory"), ("fifo.lua", "a FIFO"), ("null.lua", "a character device")] {
            #expect(engine.run(name).status == 404)
            let line = "404: \(directory)/\(name): not a regular file (\(kind))"
            #expect(engine.log.level(ofMessageContaining: line) == .info, "\(engine.log.messages)")
        }
        #expect(engine.run("ok.lua").body == "ran")
    }

    @Test func aSymlinkInsideTheRootsPointingOutIs403() throws {
        let outside = try ScriptDirectory()
        let target = try outside.write("x.lua", Self.ran)
        let root = try ScriptDirectory()
        let engine = try EngineHarness(["roots": .strings([root.path])], directory: root)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/link.lua", withDestinationPath: target)
        try engine.write("inside.lua", Self.ran)
        #expect(engine.run("link.lua").status == 403)
        let line = "403: \(root.path)/link.lua: outside the allowed roots (it resolves to \(target))"
        #expect(engine.log.level(ofMessageContaining: line) == .warning, "\(engine.log.messages)")
        #expect(engine.run("inside.lua").body == "ran")
    }

    /// The `open` of a state's script is checked by the kernel as uid 65534 (`asFileSystemUser`).
    @Test func anUnreadableScriptIs403AndHoldsNoState() async throws {
        let engine = try EngineHarness()
        let path = try engine.write("secret.lua", Self.ran)
        #expect(chmod(path, 0) == 0)
        let (request, sink) = engine.makeRequest("secret.lua")
        let runner = engine.runner
        try await asFileSystemUser(65534) { runner.run(request) }
        #expect(sink.status == 403)
        let line = try #require(engine.log.messages.first { $0.hasPrefix("403: ") })
        #expect(line.hasPrefix("403: \(path): open: permission denied (the server runs as uid "))
        #expect(engine.log.level(ofMessageContaining: "open: permission denied") == .warning)
        #expect(engine.runner.pool.count == 0)
    }

    @Test func aScriptLargerThanTheMemoryCapIs500() throws {
        let engine = try EngineHarness(["memory": .integer(1)])
        let path = try engine.write("big.lua", Self.ran + "\n--" + String(repeating: "x", count: 1 << 20))
        #expect(engine.run("big.lua").status == 500)
        let line = "500: \(path): the file is \(Self.ran.utf8.count + 3 + (1 << 20)) bytes, larger than a script may be (1048576 bytes"
        #expect(engine.log.level(ofMessageContaining: line) == .error, "\(engine.log.messages)")
        #expect(engine.runner.pool.count == 0)
    }

    @Test func aBOMAndAShebangLineKeepLineNumbersRight() throws {
        let engine = try EngineHarness(["showerrors": .boolean(true)])
        try engine.write("lines.lua", "\u{FEFF}#!/usr/bin/env lua\nfunction main(env, con)\n  error('line 3')\nend\n")
        let sink = engine.run("lines.lua")
        #expect(sink.status == 500)
        #expect(sink.body.contains("lines.lua:3: line 3"))
    }

    @Test func aRootThatDoesNotExistIsAWarningAtStartUp() throws {
        let engine = try EngineHarness(["roots": .strings(["/nonexistent-root"])])
        let line = "roots: /nonexistent-root cannot be resolved (No such file or directory); scripts are compared with it as written"
        #expect(engine.log.level(ofMessageContaining: line) == .warning)
    }
}
