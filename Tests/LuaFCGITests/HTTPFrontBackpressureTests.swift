import Foundation
import Testing

@testable import LuaFCGI

/// Streamed answers on the built-in HTTP listener against clients that read
/// slowly or not at all: the server in-process, a raw socket as the client.
///
/// Serialized: the first test measures the process's memory.
@Suite(.serialized) struct HTTPFrontBackpressureTests {
    /// 256 MiB in 64 KiB pieces, each starting with its number (`%08d`), flushed one by one;
    /// `?count` answers the number of requests the state has run instead, `?N` streams N pieces.
    /// After the last piece the script leaves the file `done`.
    private static func streamScript(done: String) -> String {
        """
        n = 0
        local rest = string.rep("x", 65536 - 8)
        function main(env, con)
          n = n + 1
          if env.QUERY_STRING == "count" then con:puts("count ", n) return end
          for i = 1, tonumber(env.QUERY_STRING) or 4096 do con:puts(string.format("%08d", i) .. rest) end
          io.open('\(done)', 'w'):close()
        end
        """
    }

    private static let piece = 65536
    private static let pieces = 4096

    /// The port the server's HTTP listener got for `:0`, from its log.
    private static func httpPort(_ log: LogCapture) -> Int? {
        let prefix = "listening on http://127.0.0.1:"
        return log.messages.lazy.compactMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil }.first
    }

    /// A step that failed on a thread of its own (`onThread`), where `#require` cannot record.
    private struct StepFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// The process's resident memory (VmRSS), bytes.
    private static func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ")[1])
        else { throw StepFailure(description: "no VmRSS in /proc/self/status") }
        return kilobytes * 1024
    }

    /// What the slow reader of `aStreamToASlowReaderArrivesWholeInBoundedMemory` saw.
    private struct SlowRead: Sendable {
        var head = ""
        var bodyBytes = 0
        /// Pieces whose number is not where it belongs.
        var misplaced = 0
        /// The process's resident memory before the request, and the most seen during it.
        var baseline = 0
        var peak = 0
    }

    /// A stream far larger than any buffer, to a client that reads 1 MiB and pauses, arrives
    /// whole and in order, while the server (this process) holds about a window of it, not all.
    @Test(.timeLimit(.minutes(2))) func aStreamToASlowReaderArrivesWholeInBoundedMemory() async throws {
        let log = LogCapture()
        let settings: [String: ConfigurationValue] = ["listen": .string("http://127.0.0.1:0"), "buffering": .boolean(false)]
        try await ServerHarness.run(settings, logger: log.logger) { harness in
            let done = harness.directory.path + "/done"
            try harness.write("stream.lua", Self.streamScript(done: done))
            let port = try #require(Self.httpPort(log))
            // Warm up (a Lua state, NIO's buffers), so the baseline holds what any request needs.
            let warmUp = try #require(try await onThread { try HTTPTestClient(port: port).requestToEnd("/stream.lua?16") })
            #expect(warmUp.hasPrefix("HTTP/1.0 200 OK\r\n"))
            try FileManager.default.removeItem(atPath: done)

            let read = try await onThread { try Self.readSlowly(port: port) }
            #expect(read.head.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(read.head)")
            #expect(read.bodyBytes == Self.pieces * Self.piece)
            #expect(read.misplaced == 0)
            #expect(FileManager.default.fileExists(atPath: done))
            let growth = read.peak - read.baseline
            print("HTTP backpressure: 256 MiB streamed to a slow reader; server RSS grew by \(growth / 1024) KiB (peak \(read.peak / 1024) KiB)")
            #expect(growth < 64 << 20, "RSS grew by \(growth / (1 << 20)) MiB")
        }
    }

    /// Asks for the whole stream over HTTP/1.0 (not chunked: the body ends with the
    /// connection) and reads it 1 MiB at a time with a pause after each, noting RSS.
    private static func readSlowly(port: Int) throws -> SlowRead {
        var read = SlowRead()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        read.baseline = try residentBytes()
        read.peak = read.baseline
        let client = try HTTPTestClient(port: port)
        try client.send("GET /stream.lua HTTP/1.0\r\nHost: x\r\n\r\n")
        var received: [UInt8] = []
        var headLength: Int?
        var reads = 0
        while headLength == nil, reads < 100 {
            reads += 1
            let count = try client.read(into: &buffer)
            if count == 0 { break }
            received += buffer[..<count]
            headLength = Self.headLength(received)
        }
        guard let headBytes = headLength else { throw StepFailure(description: "no response head") }
        read.head = String(decoding: received[..<headBytes], as: UTF8.self)
        read.bodyBytes = received.count - headBytes
        read.misplaced = checkPieceNumbers(received[headBytes...], at: 0)
        var sincePause = read.bodyBytes
        let deadline = Date(timeIntervalSinceNow: 90)
        while reads < 1_000_000, Date() < deadline {
            reads += 1
            let count = try client.read(into: &buffer)
            if count == 0 { break }
            read.misplaced += checkPieceNumbers(buffer[..<count], at: read.bodyBytes)
            read.bodyBytes += count
            sincePause += count
            if sincePause >= 1 << 20 {
                sincePause = 0
                read.peak = max(read.peak, try residentBytes())
                usleep(4_000)
            }
        }
        return read
    }

    /// The length of the response head, blank line included, once `bytes` hold all of it.
    private static func headLength(_ bytes: [UInt8]) -> Int? {
        let separator = Array("\r\n\r\n".utf8)
        guard bytes.count >= separator.count else { return nil }
        for index in 0...(bytes.count - separator.count) where bytes[index..<index + separator.count].elementsEqual(separator) {
            return index + separator.count
        }
        return nil
    }

    /// Checks the `%08d` numbers at the piece starts within `bytes`, which sit at `offset`
    /// in the body; returns how many are wrong. Cheap: only the starts are looked at (a
    /// number split between two reads is skipped; the byte count still covers its piece).
    private static func checkPieceNumbers(_ bytes: ArraySlice<UInt8>, at offset: Int) -> Int {
        var wrong = 0
        var pieceStart = (offset + piece - 1) / piece * piece
        while pieceStart + 8 <= offset + bytes.count {
            let from = bytes.startIndex + (pieceStart - offset)
            let number = String(decoding: bytes[from..<from + 8], as: UTF8.self)
            if number != String(format: "%08d", pieceStart / piece + 1) { wrong += 1 }
            pieceStart += piece
        }
        return wrong
    }

    /// What `stall` saw.
    private struct Stall: Sendable {
        /// Seconds from the request to `cutOff` holding; nil if it never did.
        var elapsed: TimeInterval?
        /// The answer to `?count` on a new connection, after the cut-off.
        var next: String
        /// What the stalled connection still delivered once read, and whether it ended the chunked body.
        var restBytes: Int
        var restEndsWithLastChunk: Bool
    }

    /// Sends the stream's request over HTTP/1.1 and reads nothing until `cutOff` holds
    /// (at most 10 s); then asks `?count` on a new connection and reads the stalled one to its end.
    private static func stall(port: Int, until cutOff: () -> Bool) throws -> Stall {
        let stalled = try HTTPTestClient(port: port)
        let sent = Date()
        try stalled.send("GET /stream.lua HTTP/1.1\r\nHost: x\r\n\r\n")
        let elapsed = poll(timeout: 10, cutOff) ? Date().timeIntervalSince(sent) : nil
        let next = try HTTPTestClient(port: port).requestToEnd("/stream.lua?count") ?? ""
        let rest = try stalled.readToEnd() ?? []
        return Stall(elapsed: elapsed, next: next, restBytes: rest.count, restEndsWithLastChunk: rest.ends(with: "\r\n0\r\n\r\n"))
    }

    /// A client that sends its request and then reads nothing: once the server's send
    /// buffers are full, the worker waits `watchdog` seconds, then the response is cut
    /// off (one warning, the connection closed), the handler is stopped at its next
    /// output, its only worker serves the next request, and its state goes on counting.
    @Test(.timeLimit(.minutes(1))) func aClientThatReadsNothingIsCutOffAndItsWorkerFreed() async throws {
        let log = LogCapture()
        let settings: [String: ConfigurationValue] = [
            "listen": .string("http://127.0.0.1:0"), "buffering": .boolean(false), "watchdog": .integer(2),
            "workers": .integer(1), "clones": .integer(1),
        ]
        try await ServerHarness.run(settings, logger: log.logger) { harness in
            let done = harness.directory.path + "/done"
            try harness.write("stream.lua", Self.streamScript(done: done))
            let port = try #require(Self.httpPort(log))
            let cutOff = "HTTP client read nothing for 2 s; response cut off"

            let outcome = try await onThread { try Self.stall(port: port, until: { log.messages.contains(cutOff) }) }
            #expect(outcome.elapsed != nil, "no cut-off logged")
            let elapsed = outcome.elapsed ?? 0
            #expect(elapsed >= 1.9 && elapsed < 5, "cut off after \(elapsed) s")
            // One worker: it was freed. One clone: the state that ran the stream was kept.
            #expect(outcome.next.hasSuffix("\r\n\r\ncount 2"), "\(outcome.next)")
            #expect(!FileManager.default.fileExists(atPath: done), "the handler went on past con:puts")
            // The stalled connection was closed, its response without the final chunk.
            #expect(outcome.restBytes > 0)
            #expect(!outcome.restEndsWithLastChunk)
            #expect(log.messages.filter { $0 == cutOff }.count == 1)
        }
    }
}

extension HTTPTestClient {
    /// Sends an HTTP/1.0 GET of `target` and returns the whole answer as text.
    fileprivate func requestToEnd(_ target: String) throws -> String? {
        try send("GET \(target) HTTP/1.0\r\nHost: x\r\n\r\n")
        return try readToEnd().map { String(decoding: $0, as: UTF8.self) }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with text: String) -> Bool {
        let suffix = Array(text.utf8)
        return count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
