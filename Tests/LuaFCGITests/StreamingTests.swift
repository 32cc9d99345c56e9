import FastCGI
import Foundation
import NIOCore
import Testing
@testable import LuaFCGI

/// Bodies read as they arrive and answers sent as they go, with the bounds that
/// keep both in check (SPEC §4.2 `con:read`, `con:flush`; docs/ARCHITECTURE.md, backpressure).
@Suite struct StreamingTests {
    /// Reads the body in pieces of `size` and answers how many bytes and pieces came.
    private static let counter = """
        function main(env, con)
          io.open(env.STARTED, 'w'):close()
          local total, pieces = 0, 0
          while true do
            local piece = con:read(tonumber(env.PIECE))
            if not piece then break end
            total, pieces = total + #piece, pieces + 1
          end
          con:puts(total)
        end
        """

    @Test func theHandlerStartsOnceTheParamsAreInAndReadsTheBodyAsItArrives() async throws {
        try await ServerHarness.run { harness in
            let started = harness.directory.path + "/started"
            try harness.write("count.lua", Self.counter)
            let client = try harness.connect()
            let records = FastCGITestClient.requestRecords(
                id: 1, parameters: harness.parameters("count.lua", [("STARTED", started), ("PIECE", "100")]),
                body: [UInt8](repeating: 0x62, count: 5000))
            try client.send(Array(records.prefix(4)))  // params and the first STDIN record
            try #require(poll { FileManager.default.fileExists(atPath: started) }, "main did not start before the body ended")
            try client.send(Array(records.dropFirst(4)))
            #expect(try client.response(for: 1).body == "5000")
        }
    }

    @Test func gotsKeepsItsMeaningTheUnreadRestThenNil() async throws {
        try await ServerHarness.run { harness in
            try harness.write("rest.lua", """
                function main(env, con)
                  local first = con:read(3)
                  local rest = con:gets()
                  con:puts(first, "|", rest, "|", tostring(con:gets()), "|", tostring(con:read()))
                end
                """)
            let response = try harness.connect().request(harness.parameters("rest.lua"), body: Array("abcdefgh".utf8))
            #expect(response.body == "abc|defgh|nil|nil")
        }
    }

    /// The 413 is given at once; its END_REQUEST follows once the web server sent the
    /// body, which is read and dropped (nginx reads no end before its body is taken).
    @Test func aContentLengthOverMaxpostIs413BeforeTheHandlerRuns() async throws {
        try await ServerHarness.runOnThread(["maxpost": .integer(1000)]) { harness in
            let ran = harness.directory.path + "/ran"
            try harness.write("mark.lua", "function main(env, con) io.open('\(ran)', 'w'):close() end")
            let client = try harness.connect()
            try client.send(
                FastCGITestClient.requestRecords(
                    id: 1, parameters: harness.parameters("mark.lua", [("CONTENT_LENGTH", "5000")]),
                    body: [UInt8](repeating: 0x61, count: 5000)))
            let response = try client.response(for: 1)
            #expect(response.status == 413)
            #expect(response.appStatus == 0)
            #expect(!FileManager.default.fileExists(atPath: ran))
            #expect(try client.request(id: 2, harness.parameters("mark.lua")).appStatus == 0)
        }
    }

    @Test func aBodyPastMaxpostWithoutContentLengthEndsTheReadWithAnErrorAnd413() async throws {
        try await ServerHarness.runOnThread(["maxpost": .integer(1000)]) { harness in
            try harness.write("read.lua", "function main(env, con) con:puts(con:gets()) end")
            try harness.write("catch.lua", """
                function main(env, con)
                  local ok, message = pcall(con.gets, con)
                  con:puts(tostring(ok), " ", message)
                end
                """)
            let client = try harness.connect()
            let tooLarge = try client.request(id: 1, harness.parameters("read.lua"), body: [UInt8](repeating: 0x61, count: 3000))
            #expect(tooLarge.status == 413)
            #expect(tooLarge.appStatus == 0)
            let caught = try client.request(id: 2, harness.parameters("catch.lua"), body: [UInt8](repeating: 0x61, count: 3000))
            #expect(caught.status == 200)
            #expect(caught.body.hasPrefix("false con:gets: the request body is larger than maxpost = 1000 bytes"), "\(caught.body)")
        }
    }

    /// The handler is stopped at its read when the web server aborts the request.
    @Test func aRequestAbortedWhileItsHandlerWaitsForTheBodyIsStopped() async throws {
        try await ServerHarness.runOnThread(["clones": .integer(1)]) { harness in
            let (started, after) = (harness.directory.path + "/started", harness.directory.path + "/after")
            try harness.write("wait.lua", """
                function main(env, con)
                  io.open(env.STARTED, 'w'):close()
                  local body = con:gets()
                  io.open('\(after)', 'w'):close()
                  con:puts(#(body or ""))
                end
                """)
            let client = try harness.connect()
            let records = FastCGITestClient.requestRecords(
                id: 1, parameters: harness.parameters("wait.lua", [("STARTED", started)]), body: Array("abc".utf8))
            try client.send(Array(records.prefix(3)))  // no body yet
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            try client.send([FastCGIRecord(type: .abortRequest, requestID: 1)])
            let aborted = try client.response(for: 1)
            #expect(aborted.appStatus == 1)
            #expect(aborted.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: after))
            #expect(try client.request(id: 2, harness.parameters("wait.lua", [("STARTED", started)]), body: Array("abc".utf8)).body == "3")
        }
    }

    /// 100 MB in STDIN records, read in 64 KiB pieces, arrive whole. (luafcgid's RSS
    /// meanwhile is measured on the real process: EndToEndTests.WorkerIOTests.)
    @Test func a100MegabyteUploadReadIn64KilobytePiecesArrivesWhole() async throws {
        try await ServerHarness.runOnThread(["maxpost": .integer(200 << 20)]) { harness in
            let started = harness.directory.path + "/started"
            try harness.write("count.lua", Self.counter)
            let client = try harness.connect()
            try client.send(
                Array(
                    FastCGITestClient.requestRecords(
                        id: 1, parameters: harness.parameters("count.lua", [("STARTED", started), ("PIECE", "65536")])
                    ).prefix(3)))
            var chunk = ByteBuffer()
            chunk.writeFastCGIRecord(FastCGIRecord(type: .stdin, requestID: 1, content: ByteBuffer(repeating: 0x7a, count: 65_000)))
            let bytes = Array(chunk.readableBytesView)
            for _ in 0..<1600 {  // 1600 × 65,000 bytes: about 100 MB
                try client.send(bytes: bytes)
            }
            try client.send([FastCGIRecord(type: .stdin, requestID: 1)])
            #expect(try client.response(for: 1).body == String(1600 * 65_000))
        }
    }

    /// A web server that stops reading: the write waits `writeTimeout` (watchdog, here 2 s),
    /// then the request is cut off, the worker freed and the state kept.
    @Test func aClientThatStopsReadingIsCutOffAndTheStateIsKept() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(1), "clones": .integer(1), "watchdog": .integer(2), "buffering": .boolean(false)]) { harness in
            try harness.write("big.lua", """
                n = 0
                local piece = string.rep("x", 65536)
                function main(env, con)
                  n = n + 1
                  if env.QUERY_STRING == "count" then con:puts(n) return end
                  for _ = 1, 16384 do con:puts(piece) end
                end
                """)
            let listeners = harness.server.sourcesInLoop
            let stuck = try harness.connect()
            let began = ContinuousClock.now
            try stuck.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("big.lua")))
            try #require(poll { harness.server.sourcesInLoop == listeners + 1 })
            // The server gives up on the connection that reads nothing: it leaves the loop.
            try #require(poll(timeout: 8) { harness.server.sourcesInLoop == listeners })
            let took = ContinuousClock.now - began
            #expect(took < .seconds(4), "cut off after \(took)")
            #expect(took >= .seconds(2), "cut off after \(took), before the write timeout")
            let answer = try harness.connect().request(harness.parameters("big.lua", [("QUERY_STRING", "count")]))
            #expect(answer.body == "2")
            withExtendedLifetime(stuck) {}
        }
    }
}
