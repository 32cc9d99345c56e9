import Foundation
import Lua
import NIOCore
import Testing
@testable import LuaFCGI

/// What reading `path` is refused with, or nil when it reads.
private func refusal(_ path: String, sizeLimit: Int = ScriptSource.defaultSizeLimit) -> ScriptRefusal? {
    do {
        _ = try ScriptSource(path: path, sizeLimit: sizeLimit)
        return nil
    } catch {
        return error
    }
}

@Suite struct ScriptSourceTests {
    let directory: ScriptDirectory

    init() throws {
        directory = try ScriptDirectory()
    }

    private func headerLength(_ bytes: [UInt8]) -> Int {
        ScriptSource.headerLength(ByteBuffer(bytes: bytes).readableBytesView)
    }

    @Test func aScriptIsReadWhole() throws {
        let path = try directory.write("x.lua", "return 1 + 1\n")
        let source = try ScriptSource(path: path, sizeLimit: 1000)
        #expect(String(buffer: source.chunk) == "return 1 + 1\n")
        #expect(source.path == path)
    }

    @Test func aBOMAndAHashLineAreSkippedButTheNewlineStays() {
        #expect(headerLength(Array("return 1".utf8)) == 0)
        #expect(headerLength([0xEF, 0xBB, 0xBF] + Array("return 1".utf8)) == 3)
        #expect(headerLength(Array("#!/usr/bin/lua\nreturn 1".utf8)) == 14)
        #expect(headerLength([0xEF, 0xBB, 0xBF] + Array("# comment\nreturn 1".utf8)) == 12)
        #expect(headerLength(Array("#!/usr/bin/lua".utf8)) == 14)
        #expect(headerLength(Array("return 1 -- #\n".utf8)) == 0)
        #expect(headerLength([]) == 0)
    }

    @Test func aPrecompiledChunkAfterAHashLineStartsAtItsFirstByte() {
        #expect(headerLength(Array("#!/usr/bin/lua\n\u{1B}Lua".utf8)) == 15)
        #expect(headerLength([0xEF, 0xBB, 0xBF, 0x1B] + Array("Lua".utf8)) == 3)
    }

    @Test func lineNumbersCountTheSkippedLine() throws {
        let path = try directory.write("lines.lua", "\u{FEFF}#!/usr/bin/env lua\nlocal x = 1\nerror('on line 3')\n")
        let lua = try LuaState()
        lua.openStandardLibraries()
        try ScriptSource(path: path, sizeLimit: 1000).load(into: lua)
        do {
            try lua.call(arguments: 0, results: 0)
            Issue.record("the chunk ran without its error")
        } catch .runtime(let message, _) {
            // Lua shortens a long chunk name to its end (docs/COMPATIBILITY.md).
            #expect(message.hasSuffix("/lines.lua:3: on line 3"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aSyntaxErrorNamesTheFileAndLine() throws {
        let path = try directory.write("bad.lua", "#!/usr/bin/lua\nfunction main(env, con)\n  con:puts(\nend\n")
        let lua = try LuaState()
        let source = try ScriptSource(path: path, sizeLimit: 1000)
        #expect(performing: { try source.load(into: lua) }, throws: { error in
            guard case LuaError.syntax(let message) = error else { return false }
            return message.contains("/bad.lua:4:")
        })
    }

    @Test func aPrecompiledChunkBehindAHashLineLoads() throws {
        let lua = try LuaState()
        lua.openStandardLibraries()
        try lua.run("dumped = string.dump(function() return 'from bytes' end)", chunkName: "=test")
        _ = lua.getGlobal("dumped")
        let dumped = try #require(lua.withStringBytes(at: -1) { Array($0) })
        lua.pop()
        let path = directory.path + "/compiled.lua"
        try Data(Array("#!/usr/bin/lua\n".utf8) + dumped).write(to: URL(fileURLWithPath: path))
        try ScriptSource(path: path, sizeLimit: 1000).load(into: lua)
        try lua.call(arguments: 0, results: 1)
        #expect(lua.string(at: -1) == "from bytes")
    }

    /// The race the resolver's `stat` cannot close: a regular file swapped for a
    /// FIFO before the open. `fopen` (luaL_loadfile) waits for a writer for ever;
    /// if the reader is ever blocked again, the writer opened here after 10 s frees
    /// it and the test fails on the time instead of hanging. (The bound is loose:
    /// starting a thread on a loaded 2-core machine can take a second.)
    @Test func aFIFOIsRefusedAtOnceWithoutWaitingForAWriter() async throws {
        let fifo = directory.path + "/swapped.lua"
        #expect(mkfifo(fifo, 0o644) == 0)
        let rescue = Thread {
            Thread.sleep(forTimeInterval: 10)
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        rescue.start()
        let started = ContinuousClock.now
        let refused = try await onThread { refusal(fifo) }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(refused == .notFound(fifo, "not a regular file (a FIFO)"))
    }

    @Test func aDeviceOrADirectoryIsRefusedByItsDescriptor() throws {
        let device = directory.path + "/zero.lua"
        try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/zero")
        #expect(refusal(device) == .notFound(device, "not a regular file (a character device)"))
        let dir = directory.path + "/dir.lua"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        #expect(refusal(dir) == .notFound(dir, "not a regular file (a directory)"))
    }

    @Test func aFileGoneSinceTheResolverLookedIs404() {
        let path = directory.path + "/gone.lua"
        #expect(refusal(path) == .notFound(path, "no such file"))
    }

    /// EACCES from `open`, checked by the kernel: see `asFileSystemUser`.
    @Test func aFileTheServerMayNotReadIs403() async throws {
        let path = try directory.write("secret.lua", "return 1")
        #expect(chmod(path, 0) == 0)
        let refused = try await asFileSystemUser(65534) { refusal(path) }
        #expect(refused?.status == .forbidden)
        #expect(refused?.reason.hasPrefix("\(path): open: permission denied (the server runs as uid ") == true)
        #expect(refusal(path) == nil, "root reads it: the 403 came from the file-system uid")
    }

    @Test func aFileLargerThanTheLimitIs500BeforeItIsRead() throws {
        let path = try directory.write("big.lua", String(repeating: "-", count: 101))
        #expect(refusal(path, sizeLimit: 101) == nil)
        let refused = refusal(path, sizeLimit: 100)
        #expect(refused?.status == .internalServerError)
        #expect(refused?.reason.contains("big.lua: the file is 101 bytes, larger than a script may be (100 bytes") == true)
    }

    /// A regular file whose read fails: /proc/self/mem at offset 0 is unmapped memory (EIO).
    @Test func aReadErrorIs500() {
        #expect(refusal("/proc/self/mem") == .failed("/proc/self/mem", "cannot read: Input/output error"))
    }

    /// /proc files report size 0 and have content: the size only sizes the buffer.
    @Test func aFileIsReadToItsEndWhateverItsSizeSaid() throws {
        let source = try ScriptSource(path: "/proc/self/status", sizeLimit: 1 << 20)
        #expect(String(buffer: source.chunk).contains("Pid:"))
        #expect(refusal("/proc/self/status", sizeLimit: 10)?.reason.contains("the file is more than 10 bytes") == true)
    }

    @Test func theLimitFollowsTheMemorySetting() {
        #expect(ScriptSource.sizeLimit(memoryMiB: 8) == 8 << 20)
        #expect(ScriptSource.sizeLimit(memoryMiB: 0) == ScriptSource.defaultSizeLimit)
    }
}
