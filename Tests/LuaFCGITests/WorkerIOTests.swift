import FastCGI
import Foundation
import NIOCore
import Synchronization
import Testing
@testable import LuaFCGI

/// The worker loop as a web server meets it: multiplexed requests, the queue,
/// stalled connections, and the faults of the loop before it (docs/ARCHITECTURE.md, "The worker loop").
@Suite struct WorkerIOTests {
    /// A handler that blocks its worker for `seconds` of wall time, then answers `name`.
    private static func sleeper(_ seconds: Double, answer name: String) -> String {
        #"function main(env, con) io.popen("sleep \#(seconds)"):close() con:puts("\#(name)") end"#
    }

    /// A handler that leaves the file `started`, then waits (up to 10 s) for the file `release`.
    private static func waiter(started: String, release: String, answer: String = "slow") -> String {
        """
        local function exists(p) local f = io.open(p) if f then f:close() return true end end
        function main(env, con)
          io.open('\(started)', 'w'):close()
          for _ = 1, 1000 do
            if exists('\(release)') then break end
            io.popen("sleep 0.01"):close()
          end
          con:puts("\(answer)")
        end
        """
    }

    @Test func twoOneSecondRequestsMultiplexedOnOneConnectionRunInParallel() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(2), "states": .integer(4)]) { harness in
            try harness.write("second.lua", Self.sleeper(1, answer: "done"))
            let client = try harness.connect()
            let began = ContinuousClock.now
            try client.send(
                FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("second.lua"))
                    + FastCGITestClient.requestRecords(id: 2, parameters: harness.parameters("second.lua")))
            #expect(try client.response(for: 1).body == "done")
            #expect(try client.response(for: 2).body == "done")
            let took = ContinuousClock.now - began
            #expect(took < .milliseconds(1800), "took \(took)")
        }
    }

    @Test func aSlowRequestDoesNotHoldUpAFastOneBehindItOnTheSameConnection() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(2)]) { harness in
            let (started, release) = (harness.directory.path + "/started", harness.directory.path + "/release")
            try harness.write("slow.lua", Self.waiter(started: started, release: release))
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let client = try harness.connect()
            try client.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            #expect(try client.request(id: 2, harness.parameters("fast.lua")).body == "fast")
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            #expect(try client.response(for: 1).body == "slow")
        }
    }

    @Test func anAbortOfOneMultiplexedRequestLeavesTheOthersAlone() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(2), "states": .integer(4)]) { harness in
            let (started, release) = (harness.directory.path + "/started", harness.directory.path + "/release")
            try harness.write("slow.lua", Self.waiter(started: started, release: release))
            try harness.write("second.lua", Self.sleeper(0.3, answer: "other"))
            let client = try harness.connect()
            try client.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            try client.send(FastCGITestClient.requestRecords(id: 2, parameters: harness.parameters("second.lua")))
            try client.send([FastCGIRecord(type: .abortRequest, requestID: 1)])
            let aborted = try client.response(for: 1)
            #expect(aborted.appStatus == 1)
            #expect(try client.response(for: 2).body == "other")
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            #expect(try client.request(id: 3, harness.parameters("second.lua")).body == "other")
        }
    }

    /// Two handlers stream at once on one connection: every record the client reads
    /// is whole (its decoder throws on anything else) and each body is exactly its own.
    @Test func recordsOfParallelRequestsNeverInterleave() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(2), "states": .integer(4), "buffering": .boolean(false)]) { harness in
            try harness.write("stream.lua", """
                function main(env, con)
                  local piece = string.rep(env.QUERY_STRING, 40000)
                  for _ = 1, 10 do con:puts(piece) end
                end
                """)
            let client = try harness.connect()
            try client.send(
                FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("stream.lua", [("QUERY_STRING", "a")]))
                    + FastCGITestClient.requestRecords(id: 2, parameters: harness.parameters("stream.lua", [("QUERY_STRING", "b")])))
            let first = try client.response(for: 1)
            let second = try client.response(for: 2)
            #expect(first.body == String(repeating: "a", count: 400_000))
            #expect(second.body == String(repeating: "b", count: 400_000))
        }
    }

    /// With the worker busy, arriving requests are read into the queue; one more
    /// than `queue` is answered 503 at once (appStatus 0), the queued ones run later.
    @Test func aBurstBeyondTheQueueGets503AtOnce() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(1), "queue": .integer(2)]) { harness in
            let (started, release) = (harness.directory.path + "/started", harness.directory.path + "/release")
            try harness.write("slow.lua", Self.waiter(started: started, release: release))
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let busy = try harness.connect()
            try busy.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            let clients = try (0..<4).map { _ in try harness.connect() }
            for (index, client) in clients.enumerated() {
                try client.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("fast.lua")))
                if index < 2 { try #require(poll { harness.server.waitingRequests == index + 1 }) }
            }
            // Two are queued, the next two refused while the worker is still busy.
            for client in clients[2...] {
                let response = try client.response(for: 1)
                #expect(response.status == 503)
                #expect(response.appStatus == 0)
            }
            #expect(!FileManager.default.fileExists(atPath: release))
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            #expect(try busy.response(for: 1).body == "slow")
            for client in clients[..<2] {
                #expect(try client.response(for: 1).body == "fast")
            }
        }
    }

    @Test func aRequestThatWaitedLongerThanWatchdogForAWorkerGets503() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(1), "watchdog": .integer(1)]) { harness in
            let started = harness.directory.path + "/started"
            try harness.write("second.lua", """
                function main(env, con) io.open('\(started)', 'w'):close() io.popen("sleep 1.5"):close() con:puts("done") end
                """)
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let busy = try harness.connect()
            try busy.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("second.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            let waiting = try harness.connect().request(harness.parameters("fast.lua"))
            #expect(waiting.status == 503)
            #expect(waiting.appStatus == 0)
            #expect(try busy.response(for: 1).body == "done")
        }
    }

    /// 1000 connections that stall part-way through a request hold no worker.
    @Test func stalledConnectionsHoldNoWorker() async throws {
        try raiseDescriptorLimit(to: 4096)
        try await ServerHarness.runOnThread(["workers": .integer(1)]) { harness in
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let request = FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("fast.lua"))
            var halfParams = ByteBuffer()
            halfParams.writeFastCGIRecord(request[0])
            halfParams.writeFastCGIRecord(request[1])
            let partial = Array(halfParams.readableBytesView.prefix(halfParams.readableBytes - 20))
            var stalled: [FastCGITestClient] = []
            for index in 0..<1000 {
                let client = try harness.connect()
                try client.send(bytes: index.isMultiple(of: 2) ? Array(partial.prefix(4)) : partial)
                stalled.append(client)
            }
            try #require(poll { harness.server.sourcesInLoop >= 1001 }, "\(harness.server.sourcesInLoop) in the loop")
            let began = ContinuousClock.now
            #expect(try harness.connect().request(harness.parameters("fast.lua")).body == "fast")
            let took = ContinuousClock.now - began
            #expect(took < .milliseconds(100), "took \(took)")
            withExtendedLifetime(stalled) {}
        }
    }

    private func raiseDescriptorLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        try #require(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
    }

    // MARK: Faults of the loop before

    /// A connection used to be added to the epoll before the server stored its
    /// registration: a request arriving in that gap went to another worker, which
    /// registered it again (EEXIST) and closed it unanswered. Now it is in the
    /// loop's table before it is watched. Many short kept connections, served by
    /// two workers, must all be answered.
    @Test func aConnectionIsInTheTableBeforeItIsWatched() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(2)]) { harness in
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let failures = Atomic<Int>(0)
            let socketPath = harness.socketPath
            let parameters = harness.parameters("fast.lua")
            // Threads of their own: Dispatch's pool is also what Swift concurrency runs the other tests on.
            let clients = DispatchGroup()
            for _ in 0..<4 {
                clients.enter()
                Thread {
                    defer { clients.leave() }
                    for round in 0..<250 {
                        guard let client = try? FastCGITestClient(unixSocket: socketPath) else {
                            failures.add(1, ordering: .relaxed)
                            continue
                        }
                        for id in 1...8 {
                            let keep = !(round.isMultiple(of: 2) && id == 8)
                            if (try? client.request(id: UInt16(id), parameters, keepConnection: keep))?.body != "fast" {
                                failures.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }.start()
            }
            #expect(clients.wait(timeout: .now() + 120) == .success)
            #expect(failures.load(ordering: .relaxed) == 0)
        }
    }

    /// A connection used to hold its registration and the registration the connection:
    /// now the loop's table is all that holds one, and a closed one leaves it.
    @Test func closedConnectionsLeaveTheLoop() async throws {
        try await ServerHarness.run { harness in
            try harness.write("fast.lua", #"function main(env, con) con:puts("fast") end"#)
            let listeners = harness.server.sourcesInLoop
            for _ in 0..<50 {
                let client = try harness.connect()
                #expect(try client.request(harness.parameters("fast.lua")).body == "fast")
            }
            #expect(poll { harness.server.sourcesInLoop == listeners }, "\(harness.server.sourcesInLoop) left")
        }
    }

    /// A listener's registration used to stay in the table after it was closed.
    @Test func aClosedListenerLeavesTheLoop() throws {
        let loop = WorkerLoop(capacity: 1)
        let directory = try ScriptDirectory()
        let descriptor = try ListeningSocket.unix(path: directory.path + "/l.sock", backlog: 8)
        let settings = FastCGIConnection.Settings(
            configuration: try Configuration(scriptValues: [:]), logger: .init(label: "test"),
            protocolConfiguration: FastCGIServerConfiguration())
        let listener = try #require(FastCGIListener.start(descriptor: descriptor, settings: Reloadable(settings), in: loop))
        #expect(loop.registeredCount == 1)
        listener.close(in: loop)
        #expect(loop.registeredCount == 0)
    }

    /// One connection used to be able to hold 128 × maxpost of bodies. Now its
    /// requests hold at most `bufferedBodyLimit` unread: past it the connection is
    /// not read, so a client pushing 16 bodies of 1 MiB gets only a little further.
    @Test func oneConnectionBuffersBoundedBodyBytes() async throws {
        try await ServerHarness.runOnThread(["workers": .integer(1), "maxpost": .integer(2 << 20)]) { harness in
            let (started, release) = (harness.directory.path + "/started", harness.directory.path + "/release")
            try harness.write("slow.lua", Self.waiter(started: started, release: release))
            let busy = try harness.connect()
            try busy.send(FastCGITestClient.requestRecords(id: 1, parameters: harness.parameters("slow.lua")))
            try #require(poll { FileManager.default.fileExists(atPath: started) })
            let body = [UInt8](repeating: 0x61, count: 1 << 20)
            var bytes = ByteBuffer()
            for id in 1...16 {
                for record in FastCGITestClient.requestRecords(id: UInt16(id), parameters: harness.parameters("slow.lua"), body: body) {
                    bytes.writeFastCGIRecord(record)
                }
            }
            var client: FastCGITestClient? = try harness.connect()
            let taken = client?.sendWithoutWaiting(Array(bytes.readableBytesView), for: .seconds(2)) ?? 0
            #expect(taken < 8 << 20, "the server took \(taken) bytes")
            client = nil  // gone: its queued requests are aborted, their bodies never come
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            #expect(try busy.response(for: 1).body == "slow")
        }
    }
}
