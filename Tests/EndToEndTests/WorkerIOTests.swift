import Foundation
import Testing

/// The worker I/O where a user meets it, through nginx: request bodies that
/// stream into `con:read`, streamed answers to a slow client, the bounded
/// queue of requests waiting for a worker, and a listener out of descriptors.
@Suite("Worker I/O")
struct WorkerIOTests {
    /// 8 MiB of lines `0000000\n` … `1048575\n`, and what `Scripts.countBody` answers for it.
    static let upload = makeLines(1 << 20)
    static let uploadAnswer = "bytes=8388608 lines=1048576 tail=1048574\n1048575\n"
    /// curl sends the upload at 2 MiB/s, so it takes 4 s at least.
    static let uploadRate = "2M"
    static let shortestUpload = Duration.seconds(4)

    @Test("a slow 8 MiB upload is read whole by con:read(65536); nginx's default buffering runs the handler after it")
    func aSlowUploadIsReadWhole() async throws {
        try await withStack(config: "maxpost = 16 * 1024 * 1024", scripts: ["count.lua": Scripts.countBody]) { stack in
            let (response, startedAfter) = try await Self.uploadWatchingTheHandler(
                stack, path: "/count.lua?buffered", marker: "buffered")
            #expect(response.status == 200, "\(response)\n\(stack.diagnostics)")
            #expect(response.body == Self.uploadAnswer)
            // nginx reads the whole body before it passes the request on; curl cannot send
            // it in less than `shortestUpload` (a little slack for curl's first burst).
            #expect(startedAfter > Self.shortestUpload - .milliseconds(500), "the handler began \(startedAfter) after curl")
        }
    }

    @Test("with fastcgi_request_buffering off the handler begins while the upload is still arriving")
    func anUnbufferedUploadReachesTheHandlerBeforeItEnds() async throws {
        try await withStack(config: "maxpost = 16 * 1024 * 1024", scripts: ["count.lua": Scripts.countBody]) { stack in
            let (response, startedAfter) = try await Self.uploadWatchingTheHandler(
                stack, path: "\(NginxServer.unbufferedPrefix)/count.lua?streamed", marker: "streamed")
            #expect(response.status == 200, "\(response)\n\(stack.diagnostics)")
            #expect(response.body == Self.uploadAnswer)
            // By then curl had sent at most 3 of the 4 seconds' worth: the upload was not over.
            // (The handler usually begins within 100 ms; 3 s leaves room for a loaded machine.)
            #expect(startedAfter < Self.shortestUpload - .seconds(1), "the handler began \(startedAfter) after curl")
        }
    }

    /// An answer given before the body was read (a CONTENT_LENGTH over maxpost, a handler
    /// that never reads) used to end the request at once: nginx, still sending the body,
    /// waited for it to be taken and luafcgid for the body to end, until nginx timed out
    /// (60 s). Now END_REQUEST follows once the rest of the body was read and dropped.
    @Test("an early answer to a large POST arrives at once: 413 over maxpost, and a handler that never reads the body")
    func anEarlyAnswerToALargePostDoesNotHang() async throws {
        try await withStack(
            config: "maxpost = 16 * 1024 * 1024",
            scripts: ["noread.lua": #"function main(env, con) con:puts("ignored") end"#]
        ) { stack in
            var curl = stack.curl
            curl.timeoutSeconds = 20
            let large = Data(repeating: 0x61, count: 20_000_000)
            let clock = ContinuousClock()
            let start = clock.now
            let refused = try await curl.request("/noread.lua?over", body: large, contentType: "application/octet-stream")
            #expect(refused.status == 413, "\(refused)\n\(stack.diagnostics)")
            let fits = try await curl.request("/noread.lua?fits", body: Data(large.prefix(8 << 20)), contentType: "application/octet-stream")
            #expect(fits.status == 200 && fits.body == "ignored", "\(fits)\n\(stack.diagnostics)")
            let unbuffered = try await curl.request(
                "\(NginxServer.unbufferedPrefix)/noread.lua?fits", body: Data(large.prefix(8 << 20)), contentType: "application/octet-stream")
            #expect(unbuffered.status == 200 && unbuffered.body == "ignored", "\(unbuffered)\n\(stack.diagnostics)")
            #expect(clock.now - start < .seconds(15), "took \(clock.now - start)")
        }
    }

    /// Posts `upload` at `uploadRate` and polls for the handler's marker file while curl
    /// runs; the response and how long after curl's start the marker was seen.
    private static func uploadWatchingTheHandler(
        _ stack: Stack, path: String, marker: String
    ) async throws -> (HTTPResponse, Duration) {
        var curl = stack.curl
        curl.limitRate = uploadRate
        curl.timeoutSeconds = 60
        let markerPath = stack.www.appendingPathComponent("\(marker).started").path
        let body = upload  // made (once, lazily) before the clock starts
        let clock = ContinuousClock()
        let start = clock.now
        let running = try curl.start(path, body: body, contentType: "application/octet-stream")
        defer { running.kill() }
        try await poll("the handler to begin (\(markerPath))\n\(stack.diagnostics)", timeout: .seconds(60)) {
            if FileManager.default.fileExists(atPath: markerPath) { return true }
            if !running.isRunning { throw HarnessError("curl ended before the handler began: \(running.process.standardError)") }
            return false
        }
        let startedAfter = clock.now - start
        let response = try await running.response()
        print("WorkerIO: \(path): the handler began \(startedAfter) after curl, which took \(clock.now - start)")
        return (response, startedAfter)
    }

    @Test("16 MiB streamed in 64 KiB pieces to a client reading 8 MiB/s arrive whole, and luafcgid's RSS grows < 64 MiB")
    func aSlowClientGetsAStreamedDownloadWholeInLittleMemory() async throws {
        // Through the unbuffered location: by default nginx would take the answer as fast
        // as luafcgid writes it, into a temp file, and luafcgid would never meet the slow client.
        let path = "\(NginxServer.unbufferedPrefix)/pieces.lua"
        try await withStack(config: "buffering = false", scripts: ["pieces.lua": Scripts.streamPieces]) { stack in
            let pid = stack.luafcgid.process.pid
            // A first, small download makes the state, the threads' arenas and the buffers.
            let warm = try await stack.get("\(path)?16")
            #expect(warm.status == 200 && warm.body == Scripts.streamedPieces(16), "\(stack.diagnostics)")
            let before = try ProcFS.residentKiB(of: pid)

            var curl = stack.curl
            curl.limitRate = "8M"
            curl.timeoutSeconds = 60
            let clock = ContinuousClock()
            let start = clock.now
            let running = try curl.start("\(path)?256")
            defer { running.kill() }
            var peak = before
            var samples = 0
            try await poll("the download to end", timeout: .seconds(70), interval: .milliseconds(50)) {
                peak = max(peak, try ProcFS.residentKiB(of: pid))
                samples += 1
                return !running.isRunning
            }
            let took = clock.now - start
            let response = try await running.response()

            #expect(response.status == 200, "\(response)\n\(stack.diagnostics)")
            let expected = Scripts.streamedPieces(256)
            let whole = response.body == expected
            #expect(whole, "got \(response.body.utf8.count) of \(expected.utf8.count) bytes, or other bytes")
            // curl really was the slow end: 16 MiB at 8 MiB/s.
            #expect(took > .milliseconds(1500), "the download took only \(took)")
            let growth = peak - before
            print("WorkerIO: streamed 16 MiB in \(took); luafcgid RSS \(before) KiB before, peak \(peak) KiB (+\(growth) KiB, \(samples) samples)")
            #expect(samples >= 10, "too few RSS samples (\(samples)) to see the peak")
            #expect(growth < 64 * 1024, "luafcgid's RSS grew by \(growth) KiB while streaming")
        }
    }

    @Test("a 100 MB upload read with con:read(65536) arrives whole, and luafcgid's RSS grows < 16 MiB")
    func a100MegabyteUploadKeepsMemoryBounded() async throws {
        // Unbuffered, nginx passes the body on as curl sends it: luafcgid streams it into con:read.
        let path = "\(NginxServer.unbufferedPrefix)/count.lua?big"
        try await withStack(config: "maxpost = 128 * 1024 * 1024", scripts: ["count.lua": Scripts.countBody]) { stack in
            let pid = stack.luafcgid.process.pid
            let warm = try await stack.curl.request(path, body: Data(repeating: 0x61, count: 1 << 20), contentType: "application/octet-stream")
            #expect(warm.status == 200, "\(warm)\n\(stack.diagnostics)")
            let before = try ProcFS.residentKiB(of: pid)
            var curl = stack.curl
            curl.timeoutSeconds = 60
            let size = 100 * 1024 * 1024
            let running = try curl.start(path, body: Data(repeating: 0x61, count: size), contentType: "application/octet-stream")
            defer { running.kill() }
            var peak = before
            try await poll("the upload to end", timeout: .seconds(70), interval: .milliseconds(20)) {
                peak = max(peak, try ProcFS.residentKiB(of: pid))
                return !running.isRunning
            }
            let response = try await running.response()
            #expect(response.status == 200, "\(response)\n\(stack.diagnostics)")
            #expect(response.body == "bytes=\(size) lines=0 tail=\(String(repeating: "a", count: 16))")
            let growth = peak - before
            print("WorkerIO: uploaded 100 MiB; luafcgid RSS \(before) KiB before, peak \(peak) KiB (+\(growth) KiB)")
            #expect(growth < 16 * 1024, "luafcgid's RSS grew by \(growth) KiB while reading the upload")
        }
    }

    @Test("with workers = 1 and queue = 2, a burst of 8: one runs, two wait, five get 503 at once, none 502/504")
    func aBurstBeyondTheQueueGets503AtOnce() async throws {
        try await withStack(config: "workers = 1\nqueue = 2", scripts: ["hold.lua": Scripts.holdUntilReleased]) { stack in
            // Nothing is answered 200 until the test writes `release`, so whatever the
            // arrival order on a loaded machine: the worker holds one request, the queue two,
            // and the other five find it full. nginx does not retry a 503 (fastcgi_next_upstream
            // is `error timeout`), and there is only one upstream to try anyway.
            let clock = ContinuousClock()
            let start = clock.now
            let running = try (1...8).map { try stack.curl.start("/hold.lua?\($0)") }
            defer { for transfer in running { transfer.kill() } }
            var ended: [Int: Duration] = [:]
            try await poll("five of the burst to be answered while the worker is held\n\(stack.diagnostics)", timeout: .seconds(30)) {
                for (index, transfer) in running.enumerated() where ended[index] == nil && !transfer.isRunning {
                    ended[index] = clock.now - start
                }
                return ended.count >= 5
            }
            #expect(ended.count == 5, "answered before the release: \(ended)")
            for index in ended.keys.sorted() {
                let response = try await running[index].response()
                #expect(response.status == 503, "\(response)\n\(stack.diagnostics)")
            }

            try stack.directory.write("www/release", "")
            var statuses: [Int] = []
            for transfer in running {
                let response = try await transfer.response()
                statuses.append(response.status)
                if response.status == 200 { #expect(response.body == "released") }
            }
            let refused = statuses.filter { $0 == 503 }.count
            let served = statuses.filter { $0 == 200 }.count
            print("WorkerIO: burst of 8 (workers = 1, queue = 2): \(served) × 200, \(refused) × 503; the 503s within \(ended.values.max() ?? .zero)")
            #expect(served == 3 && refused == 5, "statuses \(statuses)\n\(stack.diagnostics)")
            #expect(stack.luafcgid.log.contains("every worker busy and the queue full"))
        }
    }

    @Test("a request that waited longer than watchdog for a worker gets 503")
    func aRequestThatWaitedLongerThanWatchdogGets503() async throws {
        try await withStack(
            config: "workers = 1\nqueue = 2\nwatchdog = 1", scripts: ["hold.lua": Scripts.holdUntilReleased]
        ) { stack in
            let running = try (1...4).map { try stack.curl.start("/hold.lua?\($0)") }
            defer { for transfer in running { transfer.kill() } }
            // One is held, two are queued, and the fourth is refused at once: once it is
            // answered the queue is full, so both queued requests have arrived.
            try await poll("one of four to be refused\n\(stack.diagnostics)", timeout: .seconds(30)) {
                running.contains { !$0.isRunning }
            }
            // Not a synchronisation: the queued requests are to wait past watchdog = 1 s.
            try await Task.sleep(for: .milliseconds(1500))
            try stack.directory.write("www/release", "")
            var statuses: [Int] = []
            for transfer in running { statuses.append(try await transfer.response().status) }
            #expect(statuses.sorted() == [200, 503, 503, 503], "statuses \(statuses)\n\(stack.diagnostics)")
            try await stack.luafcgid.waitForLog(containing: "waited longer than watchdog")
        }
    }

    @Test("a listener out of descriptors holds no worker: a kept connection is served, and new ones once descriptors are free")
    func aListenerOutOfDescriptorsHoldsNoWorkerAndRecovers() async throws {
        let limit = 64
        try await withStack(
            config: "workers = 1", scripts: ["echo.lua": Scripts.echo], descriptorLimit: limit, nginx: nil
        ) { stack in
            let pid = stack.luafcgid.process.pid
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            let openFiles = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
            #expect(openFiles.split(separator: " ").contains("\(limit)"), "the limit did not apply: \(limits)")
            let echo = ["SCRIPT_FILENAME": stack.www.appendingPathComponent("echo.lua").path, "REQUEST_METHOD": "GET"]
            func query(_ text: String) -> [String: String] { echo.merging(["QUERY_STRING": text]) { $1 } }

            // The state is made now: loading the script later would need a descriptor.
            let kept = try FastCGIClient(socketPath: stack.luafcgid.socketPath)
            let first = try await kept.request(query("k1"))
            #expect(first.status == 200 && first.body == "n=k1", "\(first)\n\(stack.diagnostics)")

            // More connections than luafcgid has descriptors left: it accepts until accept
            // fails, the rest wait in the backlog (128, so every connect returns).
            let open = try ProcFS.openDescriptors(of: pid)
            let extra = limit - open + 16
            var idle: [Int32] = []
            defer { for fd in idle { close(fd) } }
            for _ in 0..<extra { idle.append(try UnixSocket.connect(to: stack.luafcgid.socketPath)) }
            try await stack.luafcgid.waitForLog(containing: "Too many open files")

            // This one waits in the backlog until descriptors are free.
            let waiting = try FastCGIClient(socketPath: stack.luafcgid.socketPath, timeout: .seconds(30))
            async let waitingResponse = waiting.request(query("w"))

            let clock = ContinuousClock()
            let asked = clock.now
            let second = try await kept.request(query("k2"))
            let answeredIn = clock.now - asked
            #expect(second.status == 200 && second.body == "n=k2", "\(second)\n\(stack.diagnostics)")
            #expect(answeredIn < .seconds(8), "the kept connection waited \(answeredIn) while the listener starved")
            #expect(try ProcFS.openDescriptors(of: pid) >= limit - 2, "luafcgid was not out of descriptors")

            for fd in idle { close(fd) }
            idle.removeAll()
            let freed = clock.now
            let recovered = try await waitingResponse
            let recoveredIn = clock.now - freed
            #expect(recovered.status == 200 && recovered.body == "n=w", "\(recovered)\n\(stack.diagnostics)")
            #expect(recoveredIn < .seconds(10), "the waiting connection was served \(recoveredIn) after descriptors were freed")

            let fresh = try await stack.cgiFCGI(query("fresh"))
            #expect(fresh.response.status == 200 && fresh.response.body == "n=fresh", "\(fresh.raw)\n\(stack.diagnostics)")
            let third = try await kept.request(query("k3"))
            #expect(third.body == "n=k3")
            print("WorkerIO: \(extra) extra connections over \(open) open descriptors (limit \(limit)); kept connection answered in \(answeredIn), the waiting one \(recoveredIn) after the close")
            #expect(stack.luafcgid.process.isRunning)
        }
    }

    // MARK: Helpers

    /// `count` lines of a 7-digit counter and a newline.
    static func makeLines(_ count: Int) -> Data {
        var data = Data(repeating: UInt8(ascii: "\n"), count: count * 8)
        data.withUnsafeMutableBytes { (bytes: UnsafeMutableRawBufferPointer) in
            for line in 0..<count {
                var value = line
                for digit in stride(from: 6, through: 0, by: -1) {
                    bytes[line * 8 + digit] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
        }
        return data
    }
}
