import Foundation
import Testing

/// The soak (issue 8, item 7): 64 connections through a private nginx over a
/// mix of every kind of answer luafcgid gives, for `LUAFCGID_SOAK_SECONDS`
/// (30 s in `make test`, 300 s in `make soak`). Every answer must have its
/// workload's status, no connection may fail, luafcgid's RSS may not grow by
/// 32 MiB or more from the first window of the run to the last (see
/// `ResidentMemory`), and the server must answer normally afterwards.
@Suite("Soak")
struct SoakTests {
    /// Six workers on two cores: a watchdog request holds its worker for a
    /// second, a memory request for tens of milliseconds; with fewer, the two
    /// connections of each could hold every worker at once, and the other
    /// requests would wait past `watchdog` for one and get 503. `maxpost`
    /// lies between the 10 KB post and the 100 KB oversize one; the queue
    /// holds all 64 connections' requests many times over.
    static let config = """
        workers = 6
        watchdog = 1
        memory = 16
        maxpost = 64 * 1024
        queue = 1024
        """

    static let scripts = [
        "hello.lua": SoakScripts.hello,
        "page.lua": SoakScripts.page,
        "post.lua": SoakScripts.post,
        "error.lua": SoakScripts.error,
        "watchdog.lua": SoakScripts.watchdog,
        "memory.lua": SoakScripts.memory,
        "slow.lua": SoakScripts.slow,
    ]

    /// 62 of the 64 connections; the slow client has the other two. Half the
    /// workloads go through `/kept/` (FastCGI connections reused), half through
    /// the plain location (a new FastCGI connection per request).
    static let workloads = [
        SoakWorkload(
            name: "hello", path: "\(NginxServer.keptPrefix)/hello.lua", connections: 20, expectedStatus: 200,
            bodyCheck: .exact(SoakScripts.helloBody)),
        SoakWorkload(
            name: "page", path: "/page.lua", connections: 12, expectedStatus: 200,
            bodyCheck: .contains(SoakScripts.pageEnd)),
        SoakWorkload(
            name: "post", path: "\(NginxServer.keptPrefix)/post.lua", connections: 8, expectedStatus: 200,
            bodyCheck: .exact("10240\n"), bodyBytes: 10240),
        SoakWorkload(name: "error", path: "/error.lua", connections: 6, expectedStatus: 500),
        SoakWorkload(name: "missing", path: "\(NginxServer.keptPrefix)/missing.lua", connections: 6, expectedStatus: 404),
        SoakWorkload(name: "oversize", path: "/post.lua", connections: 6, expectedStatus: 413, bodyBytes: 100 * 1024),
        // The limits cost CPU: a watchdog request a second of it, a memory request some
        // 50 ms (a state made, 16 MiB filled, the state closed; debug build). The pauses
        // keep these four connections to about two thirds of one of the two cores.
        SoakWorkload(
            name: "watchdog", path: "\(NginxServer.keptPrefix)/watchdog.lua", connections: 2, expectedStatus: 504,
            pauseMilliseconds: 3000),
        SoakWorkload(name: "memory", path: "/memory.lua", connections: 2, expectedStatus: 500, pauseMilliseconds: 500),
    ]
    static let slowConnections = 2

    /// Longer than any expected answer takes (the watchdog's second, and a
    /// loaded machine's queue), far shorter than nginx's 60 s upstream timeout,
    /// whose 504 would look like the watchdog's.
    static let requestTimeoutSeconds = 10
    static let growthLimitKiB = 32 * 1024

    @Test("64 connections over a mix of answers: only the expected statuses, no socket errors, RSS growth < 32 MiB, normal answers afterwards")
    func soak() async throws {
        let settings = try SoakSettings.fromEnvironment(known: Self.workloads.map(\.name) + [SlowClient.name])
        let workloads = Self.workloads.filter { settings.workloads.contains($0.name) }
        let slowConnections = settings.workloads.contains(SlowClient.name) ? Self.slowConnections : 0
        try await withStack(config: Self.config, scripts: Self.scripts, nginxProfile: .load) { stack in
            let nginx = try #require(stack.nginx)
            let port = try #require(nginx.tcpPort)
            let luafcgid = stack.luafcgid.process
            let outcome = try await SoakRun(
                workloads: workloads, slowConnections: slowConnections, port: port, seconds: settings.seconds,
                requestTimeoutSeconds: Self.requestTimeoutSeconds, luafcgid: luafcgid, directory: stack.directory
            ).run()
            print(
                SoakReport.render(
                    outcome: outcome, seconds: settings.seconds, binary: try LuafcgidBinary.url().path, port: port,
                    growthLimitKiB: Self.growthLimitKiB))

            try stack.directory.write(
                "rss.tsv", outcome.memory.samples.map { String(format: "%.1f\t%d\n", $0.seconds, $0.kib) }.joined())
            var failures = outcome.results.flatMap(\.failures)
            let figures = try #require(outcome.memory.figures(duration: Double(settings.seconds)))
            if figures.growth >= Self.growthLimitKiB {
                failures.append("luafcgid's RSS grew by \(figures.growth) KiB (limit \(Self.growthLimitKiB))")
            }
            for failure in failures { Issue.record(Comment(rawValue: failure)) }
            let logs = "--- luafcgid log (tail) ---\n\(SoakReport.tail(of: luafcgid.stderrURL))\n"
                + "--- nginx error log (tail) ---\n\(SoakReport.tail(of: nginx.prefix.appendingPathComponent("error.log")))"
            if !failures.isEmpty { print(logs) }

            // Afterwards: the same process answers as before, both ways nginx reaches it.
            #expect(luafcgid.isRunning, "luafcgid ended: \(luafcgid.exitStatus.map(\.description) ?? "")")
            for path in ["\(NginxServer.keptPrefix)/hello.lua", "/hello.lua"] {
                let hello = try await stack.get(path)
                #expect(hello.status == 200 && hello.body == SoakScripts.helloBody, "after the soak, \(path): \(hello)\n\(logs)")
            }
        }
    }
}
