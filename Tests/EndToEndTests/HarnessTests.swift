import Foundation
import Testing

/// Checks of the harness itself, which need no luafcgid: if these fail, the
/// other end-to-end failures say nothing about the server.
@Suite("Harness")
struct HarnessTests {
    @Test("nginx starts under the harness and answers its own location")
    func nginxAnswersThroughHarness() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let www = try directory.makeDirectory("www")
        let missingFastCGI = directory.file("nobody.sock").path
        let nginx = try await NginxServer.start(in: directory, documentRoot: www, fastcgiSocket: missingFastCGI)
        let curl = Curl(socketPath: nginx.socketPath, directory: directory)

        let ping = try await curl.request(NginxServer.pingPath)
        #expect(ping.status == 200)
        #expect(ping.body == "ok")
        // .lua goes to FastCGI, where nobody listens: nginx says 502.
        let lua = try await curl.request("/x.lua")
        #expect(lua.status == 502)

        let sequence = try await curl.sequence(Array(repeating: NginxServer.pingPath, count: 5))
        #expect(sequence.count == 5)
        #expect(sequence.allSatisfy { $0.status == 200 && $0.body == "ok" })
        let concurrent = try await curl.concurrent(Array(repeating: NginxServer.pingPath, count: 8))
        #expect(concurrent.map(\.body) == Array(repeating: "ok", count: 8))

        let pid = nginx.process.pid
        let status = await nginx.stop()
        #expect(status == .exited(0), "nginx should stop on SIGTERM, not need SIGKILL")
        #expect(kill(pid, 0) == -1, "nginx pid \(pid) still exists after stop()")
        #expect(!UnixSocket.acceptsConnections(at: nginx.socketPath))
    }

    @Test("the keepalive nginx config is accepted by nginx")
    func keepAliveConfigurationLoads() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let www = try directory.makeDirectory("www")
        let nginx = try await NginxServer.start(
            in: directory, documentRoot: www, fastcgiSocket: directory.file("nobody.sock").path,
            variant: .keepAlive)
        let ping = try await Curl(socketPath: nginx.socketPath, directory: directory).request(NginxServer.pingPath)
        #expect(ping.status == 200)
        await nginx.stop()
    }

    @Test("the load profile's nginx answers on its 127.0.0.1 port too, and forwards /kept/")
    func loadProfileListensOnLoopback() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let www = try directory.makeDirectory("www")
        let nginx = try await NginxServer.start(
            in: directory, documentRoot: www, fastcgiSocket: directory.file("nobody.sock").path, profile: .load)
        let port = try #require(nginx.tcpPort)
        let curl = Curl(port: port, directory: directory)
        let ping = try await curl.request(NginxServer.pingPath)
        #expect(ping.status == 200 && ping.body == "ok")
        // /kept/ goes to FastCGI (its keep-alive upstream), where nobody listens.
        let kept = try await curl.request("\(NginxServer.keptPrefix)/x.lua")
        #expect(kept.status == 502)
        #expect(await nginx.stop() == .exited(0))
    }

    @Test("stop() ends a process with SIGTERM")
    func stopTerminates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let child = try ChildProcess(
            name: "sleep", executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"],
            directory: directory.url)
        #expect(child.isRunning)
        let clock = ContinuousClock()
        let start = clock.now
        let status = await child.stop()
        #expect(status == .signaled(SIGTERM))
        // Before the 5 s grace after which stop() would send SIGKILL: SIGTERM did it.
        #expect(clock.now - start < .seconds(5))
        #expect(await child.stop() == .signaled(SIGTERM), "a second stop() is harmless")
    }

    @Test("stop() falls back to SIGKILL when SIGTERM is ignored")
    func stopKillsStubbornProcess() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // An ignored signal stays ignored across exec.
        let child = try ChildProcess(
            name: "stubborn", executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "trap '' TERM; exec sleep 30"], directory: directory.url)
        // Wait until the shell has exec'd sleep, i.e. the trap is in place.
        try await poll("sh to exec sleep") {
            let comm = (try? String(contentsOfFile: "/proc/\(child.pid)/comm", encoding: .utf8)) ?? ""
            return comm.hasPrefix("sleep")
        }
        let status = await child.stop(grace: .milliseconds(300))
        #expect(status == .signaled(SIGKILL))
    }

    @Test("run() reports the exit status and keeps the output")
    func runCapturesOutput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (child, status) = try await ChildProcess.run(
            name: "sh", executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "echo out; echo err >&2; exit 7"], directory: directory.url)
        #expect(status == .exited(7))
        #expect(String(decoding: child.standardOutput, as: UTF8.self) == "out\n")
        #expect(child.standardError == "err\n")
    }

    @Test("poll() gives up within its bounds")
    func pollIsBounded() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var checks = 0
        await #expect(throws: HarnessError.self) {
            try await poll("never", timeout: .milliseconds(200), interval: .milliseconds(20)) {
                checks += 1
                return false
            }
        }
        // Generous: a loaded machine may be slow to wake the poller, but never unbounded.
        #expect(clock.now - start < .seconds(5))
        #expect(checks <= 12)
    }

    @Test("the probe sees no listener on a missing socket")
    func probeOnMissingSocket() {
        #expect(!UnixSocket.acceptsConnections(at: "/tmp/lfe2e.does-not-exist.sock"))
        #expect(throws: HarnessError.self) {
            try UnixSocket.checkLength("/tmp/" + String(repeating: "x", count: 200))
        }
    }

    @Test("the package root is found from #filePath")
    func packageRootFound() {
        let root = LuafcgidBinary.packageRoot
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path))
        #expect(FileManager.default.fileExists(atPath: LuafcgidBinary.examplesDirectory.appendingPathComponent("hello.lua").path))
    }

    @Test("a CGI response from cgi-fcgi is split into status, headers and body")
    func cgiResponseParsing() throws {
        let response = try CGIFCGI.parse("Status: 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody")
        #expect(response.status == 404)
        #expect(response.header("content-type") == "text/plain")
        #expect(response.body == "body")
    }
}
