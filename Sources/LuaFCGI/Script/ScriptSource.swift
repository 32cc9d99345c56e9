#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Lua
import NIOCore

/// A script file's bytes, read for a new state so that nothing can block the
/// worker (SPEC §3.1, §3.2).
///
/// Not `luaL_loadfile`: its `fopen` waits on a FIFO until a writer comes, for
/// ever. The resolver refuses a FIFO by its `stat`, but the file may be swapped
/// between that `stat` and the open; so the file is opened non-blocking (a FIFO
/// opens at once, a device is not made the controlling terminal) and the
/// *descriptor* must be a regular file before anything is read. Then it is read
/// whole, up to `sizeLimit` bytes, and compiled the way `luaL_loadfile` does.
struct ScriptSource {
    /// The file's path; the chunk is named `@path`, so messages read `path:line: reason`.
    let path: String
    /// What is compiled: the file without what `luaL_loadfile` skips (`headerLength`).
    let chunk: ByteBuffer
    /// The version read, from the descriptor's `fstat`: it may be newer than the
    /// one the resolver saw, and it is the one a state made from it holds.
    let signature: FileSignature

    /// The default for `sizeLimit`, and the limit when the `memory` cap is off.
    static let defaultSizeLimit = 64 << 20

    /// The largest script a state is made from: the state's `memory` cap when
    /// set, since Lua compiles a chunk into more bytes than its source, else
    /// `defaultSizeLimit`. Past it the request gets 500 rather than a worker
    /// reading gigabytes.
    static func sizeLimit(memoryMiB: Int) -> Int {
        memoryMiB > 0 ? memoryMiB << 20 : defaultSizeLimit
    }

    /// Opens and reads `path`; throws the refusal the request gets otherwise:
    /// gone since the resolver looked or not a regular file (404), not readable
    /// by the server (403), larger than `sizeLimit` or a read error (500).
    init(path: String, sizeLimit: Int) throws(ScriptRefusal) {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { throw .systemCall("open", failedWith: errno, path: path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .systemCall("fstat", failedWith: errno, path: path) }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular else { throw .notFound(path, "not a regular file (\(kind))") }
        var bytes = try Self.readAll(descriptor, path: path, expected: Int(info.st_size), limit: sizeLimit)
        bytes.moveReaderIndex(forwardBy: Self.headerLength(bytes.readableBytesView))
        self.path = path
        chunk = bytes
        signature = FileSignature(info)
    }

    /// Compiles the chunk into `lua` and pushes it as a function. Text and
    /// precompiled chunks are both accepted, as `luaL_loadfile` accepts them.
    ///
    /// Stack: [] → [chunk]; on failure nothing is pushed.
    func load(into lua: LuaState) throws(LuaError) {
        let result = chunk.withUnsafeReadableBytes { bytes in
            Result { () throws(LuaError) in try lua.load(bytes, chunkName: "@" + path, mode: .textOrBinary) }
        }
        try result.get()
    }

    /// How many leading bytes `luaL_loadfile` does not compile: a UTF-8 BOM, then
    /// a first line starting with `#` (a `#!` line) up to its newline. The newline
    /// stays, so the next line is still line 2 — unless a precompiled chunk
    /// (`ESC Lua`) follows, which must start at its first byte.
    static func headerLength(_ bytes: ByteBufferView) -> Int {
        var start = bytes.startIndex
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        guard start < bytes.endIndex, bytes[start] == UInt8(ascii: "#") else { return start - bytes.startIndex }
        let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        let precompiled = newline < bytes.endIndex - 1 && bytes[newline + 1] == 0x1B
        return (precompiled ? newline + 1 : newline) - bytes.startIndex
    }

    /// Reads `descriptor` to its end. `expected` (the size `fstat` gave) sizes the
    /// buffer; the file may grow meanwhile, so `limit` is checked on what arrives.
    private static func readAll(
        _ descriptor: Int32, path: String, expected: Int, limit: Int
    ) throws(ScriptRefusal) -> ByteBuffer {
        guard expected <= limit else { throw tooLarge(path, size: "\(expected) bytes", limit: limit) }
        var buffer = ByteBufferAllocator().buffer(capacity: expected + 1)
        while true {
            var failure: Int32 = 0
            let wanted = min(max(expected + 1 - buffer.readableBytes, 16_384), limit + 1 - buffer.readableBytes)
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { space in
                let count = read(descriptor, space.baseAddress, wanted)
                if count < 0 { failure = errno }
                return max(count, 0)
            }
            if failure == EINTR { continue }
            guard failure == 0 else { throw .failed(path, "cannot read: \(String(cString: strerror(failure)))") }
            if count == 0 { return buffer }
            guard buffer.readableBytes <= limit else { throw tooLarge(path, size: "more than \(limit) bytes", limit: limit) }
        }
    }

    private static func tooLarge(_ path: String, size: String, limit: Int) -> ScriptRefusal {
        .failed(path, "the file is \(size), larger than a script may be (\(limit) bytes: `memory` MiB, or 64 MiB with memory = 0)")
    }
}
