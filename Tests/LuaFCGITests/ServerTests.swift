import FastCGI
import Foundation
import NIOCore
import Testing
@testable import LuaFCGI

/// The server in-process on a temporary unix socket, driven by a FastCGI client.
@Suite struct ServerTests {
    @Test func answersARequestWithHeadersBodyAndEndRequest() async throws {
        try await ServerHarness.run { harness in
            try harness.write("hello.lua", #"function main(env, con) con:puts("Hello, ", env.QUERY_STRING) end"#)
            let client = try harness.connect()
            let response = try client.request(harness.parameters("hello.lua", [("QUERY_STRING", "x=1")]))
            #expect(response.headers == "Status: 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10")
            #expect(response.body == "Hello, x=1")
            #expect(response.appStatus == 0)
            #expect(response.protocolStatus == .requestComplete)
        }
    }

    @Test func keepConnServesManyRequestsOnOneConnectionAndWithoutItTheServerCloses() async throws {
        try await ServerHarness.run { harness in
            try harness.write("n.lua", #"n = 0 function main(env, con) n = n + 1 con:puts(n) end"#)
            let client = try harness.connect()
            for expected in 1...5 {
                #expect(try client.request(harness.parameters("n.lua")).body == "\(expected)")
            }
            #expect(try client.request(harness.parameters("n.lua"), keepConnection: false).body == "6")
            #expect(try client.waitForClose())
        }
    }

    /// An answer far larger than the socket buffer goes out whole: the worker
    /// waits for the client to read (flow control) and the connection stays usable.
    @Test func anAnswerLargerThanTheSocketBufferArrivesWhole() async throws {
        try await ServerHarness.run { harness in
            try harness.write("big.lua", #"function main(env, con) con:puts(string.rep("0123456789", 300000)) end"#)
            let client = try harness.connect()
            let response = try client.request(harness.parameters("big.lua"))
            #expect(response.body.utf8.count == 3_000_000)
            #expect(response.body.hasSuffix("0123456789"))
            #expect(try client.request(id: 2, harness.parameters("big.lua")).body.utf8.count == 3_000_000)
        }
    }

    @Test func multiplexedRequestsOnOneConnectionAllAnswer() async throws {
        try await ServerHarness.run { harness in
            try harness.write("echo.lua", #"function main(env, con) con:puts(env.QUERY_STRING, ":", con:gets() or "") end"#)
            let client = try harness.connect()
            let first = FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("echo.lua", [("QUERY_STRING", "one")]), body: Array("body1".utf8))
            let second = FastCGITestClient.requestRecords(id: 2, parameters: harness.parameters("echo.lua", [("QUERY_STRING", "two")]), body: Array("body2".utf8))
            // Interleave the two requests' records.
            var interleaved: [FastCGIRecord] = []
            for index in 0..<max(first.count, second.count) {
                if index < second.count { interleaved.append(second[index]) }
                if index < first.count { interleaved.append(first[index]) }
            }
            try client.send(interleaved)
            #expect(try client.response(for: 1).body == "one:body1")
            #expect(try client.response(for: 2).body == "two:body2")
        }
    }

    @Test func recordsSplitAtEveryByteStillMakeARequest() async throws {
        try await ServerHarness.run { harness in
            try harness.write("hi.lua", #"function main(env, con) con:puts("hi") end"#)
            let client = try harness.connect()
            var buffer = ByteBuffer()
            for record in FastCGITestClient.requestRecords(id: 7, parameters: harness.parameters("hi.lua")) {
                buffer.writeFastCGIRecord(record)
            }
            for byte in buffer.readableBytesView { try client.send(bytes: [byte]) }
            #expect(try client.response(for: 7).body == "hi")
        }
    }

    /// A declared body over maxpost is refused before the script runs; one that only
    /// turns out too large ends the script's read instead (StreamingTests).
    @Test func aDeclaredBodyOverMaxpostIs413WithoutRunningTheScript() async throws {
        try await ServerHarness.runOnThread(["maxpost": .integer(100)]) { harness in
            let marker = harness.directory.path + "/ran"
            try harness.write("post.lua", "function main(env, con) io.open('\(marker)', 'w'):close() con:puts('ran') end")
            let client = try harness.connect()
            let declared = try client.request(
                id: 1, harness.parameters("post.lua", [("CONTENT_LENGTH", "101")]), body: Array(repeating: 65, count: 101))
            #expect(declared.status == 413)
            #expect(declared.appStatus == 0)
            #expect(!FileManager.default.fileExists(atPath: marker))
            let fits = try client.request(id: 3, harness.parameters("post.lua"), body: Array(repeating: 65, count: 100))
            #expect(fits.body == "ran")
        }
    }

    @Test func scriptErrorsGoToStderrAndEndWithAppStatus1() async throws {
        try await ServerHarness.run { harness in
            try harness.write("fail.lua", #"function main(env, con) error("broken") end"#)
            let client = try harness.connect()
            let response = try client.request(harness.parameters("fail.lua"))
            #expect(response.status == 500)
            #expect(response.appStatus == 1)
            #expect(String(decoding: response.stderr, as: UTF8.self).contains("fail.lua:1: broken"))
            #expect(!response.body.contains("broken"))
        }
    }

    @Test func getValuesAnswersTheRealLimits() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(3), "queue": .integer(10)]) { harness in
            let client = try harness.connect()
            var content = ByteBuffer()
            for name in ["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"] { content.writeFastCGINameValuePair(name: name, value: "") }
            try client.send([FastCGIRecord(type: .getValues, requestID: 0, content: content)])
            var result = try client.managementRecord().content
            var values: [String: String] = [:]
            while let pair = try result.readFastCGINameValuePair() {
                values[String(buffer: pair.name)] = String(buffer: pair.value)
            }
            #expect(values["FCGI_MAX_REQS"] == "13")
            #expect(values["FCGI_MPXS_CONNS"] == "1")
            #expect(Int(values["FCGI_MAX_CONNS"] ?? "") ?? 0 > 0)
        }
    }

    @Test func malformedInputClosesOnlyThatConnection() async throws {
        try await ServerHarness.run { harness in
            try harness.write("ok.lua", #"function main(env, con) con:puts("ok") end"#)
            let good = try harness.connect()
            let bad = try harness.connect()
            try bad.send(bytes: [9, 1, 0, 1, 0, 0, 0, 0])  // version 9
            #expect(try bad.waitForClose())
            #expect(try good.request(harness.parameters("ok.lua")).body == "ok")
            #expect(try harness.connect().request(harness.parameters("ok.lua")).body == "ok")
        }
    }

    /// A handler that ran for a while, then writes output: a script that waits for
    /// the file `release`, then has used at least 0.2 s of CPU, then counts and writes,
    /// then leaves the file `after-<count>`.
    private static func slowScript(started: String, release: String, after: String) -> String {
        """
        n = 0
        local function exists(p) local f = io.open(p) if f then f:close() return true end end
        function main(env, con)
          n = n + 1
          local t0 = os.clock()
          io.open('\(started)', 'w'):close()
          local deadline = os.clock() + 10
          while not exists('\(release)') and os.clock() < deadline do end
          while os.clock() - t0 < 0.2 do end
          con:puts("count ", n)
          io.open('\(after)-' .. n, 'w'):close()
        end
        """
    }

    /// The worker running a request looks at its connection at the handler's output
    /// points once the handler has run a while: an ABORT read there answers
    /// END_REQUEST (appStatus 1), stops the handler and keeps its state.
    @Test func anAbortedRequestIsStoppedAtItsNextOutput() async throws {
        try await ServerHarness.runOnThread(["clones": .integer(1)]) { harness in
            let (started, release, after) = (harness.directory.path + "/started", harness.directory.path + "/release", harness.directory.path + "/after")
            try harness.write("slow.lua", Self.slowScript(started: started, release: release, after: after))
            let client = try harness.connect()
            try client.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            try client.send([FastCGIRecord(type: .abortRequest, requestID: 1)])
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            let aborted = try client.response(for: 1)
            #expect(aborted.appStatus == 1)
            #expect(aborted.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: after + "-1"), "the handler went on past con:puts")
            // The state was kept (one clone only): its counter goes on, on the same connection.
            #expect(try client.request(id: 2, harness.parameters("slow.lua")).body == "count 2")
        }
    }

    /// A client that closes the connection while its handler runs stops the handler at its next output.
    @Test func aClosedConnectionStopsTheHandlerAtItsNextOutput() async throws {
        try await ServerHarness.runOnThread(["clones": .integer(1)]) { harness in
            let (started, release, after) = (harness.directory.path + "/started", harness.directory.path + "/release", harness.directory.path + "/after")
            try harness.write("slow.lua", Self.slowScript(started: started, release: release, after: after))
            do {
                let client = try harness.connect()
                try withExtendedLifetime(client) {
                    try client.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
                    try #require(poll { FileManager.default.fileExists(atPath: started) })
                }
            }  // the client is gone: its socket is closed
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            #expect(try harness.connect().request(harness.parameters("slow.lua")).body == "count 2")
            #expect(!FileManager.default.fileExists(atPath: after + "-1"), "the first run went on past con:puts")
            #expect(FileManager.default.fileExists(atPath: after + "-2"))
        }
    }

    /// Workers serve connections themselves; a worker busy with one leaves the
    /// other connections, idle kept ones included, to the other workers.
    @Test func aSlowRequestHoldsUpNoOtherConnection() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(2)]) { harness in
            let release = harness.directory.path + "/release"
            let started = harness.directory.path + "/started"
            try harness.write("slow.lua", """
                local function exists(p) local f = io.open(p) if f then f:close() return true end end
                function main(env, con)
                  io.open('\(started)', 'w'):close()
                  local deadline = os.clock() + 10
                  while not exists('\(release)') and os.clock() < deadline do end
                  con:puts("slow")
                end
                """)
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let kept = try harness.connect()
            #expect(try kept.request(id: 1, harness.parameters("fast.lua")).body == "fast")
            let slow = try harness.connect()
            try slow.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            #expect(try kept.request(id: 2, harness.parameters("fast.lua")).body == "fast")
            #expect(try harness.connect().request(harness.parameters("fast.lua")).body == "fast")
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            #expect(try slow.response(for: 1).body == "slow")
        }
    }

    @Test func anUnknownRoleIsRefused() async throws {
        try await ServerHarness.run { harness in
            let client = try harness.connect()
            try client.send(FastCGITestClient.requestRecords(id: 1, parameters: [], role: .authorizer).prefix(1).map { $0 })
            let response = try client.response(for: 1)
            #expect(response.protocolStatus == .unknownRole)
        }
    }

    @Test func theSocketFileIsRemovedOnStopAndAStaleOneIsReplaced() async throws {
        let harness = try await ServerHarness.start()
        #expect(FileManager.default.fileExists(atPath: harness.socketPath))
        await harness.stop()
        #expect(!FileManager.default.fileExists(atPath: harness.socketPath))

        // A socket file nobody listens on, as a crashed server leaves behind.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: harness.socketPath.utf8)
            raw[harness.socketPath.utf8.count] = 0
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)
        #expect(UnixSocketFile.inspect(harness.socketPath) == .stale)

        let second = Server(configuration: harness.server.configuration, logger: .init(label: "test"))
        try await second.start()
        #expect(UnixSocketFile.inspect(harness.socketPath) == .live)

        let third = Server(configuration: harness.server.configuration, logger: .init(label: "test"))
        await #expect(throws: ServerError.self) { try await third.start() }
        await second.stop()
    }

    @Test func socketModeIsApplied() async throws {
        try await ServerHarness.runOnThread(["socketmode": .string("0600")]) { harness in
            let attributes = try FileManager.default.attributesOfItem(atPath: harness.socketPath)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
        }
    }
}
