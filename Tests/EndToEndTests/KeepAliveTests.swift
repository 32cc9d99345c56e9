import Foundation
import Testing

/// nginx with an upstream `keepalive` and `fastcgi_keep_conn on`: FastCGI
/// connections are reused across requests (FCGI_KEEP_CONN). The original C
/// luafcgid stalled here; every request must be answered, in order.
@Suite("FastCGI keep-alive through nginx")
struct KeepAliveTests {
    @Test("200 sequential requests over kept connections all answer correctly")
    func sequentialRequests() async throws {
        try await withStack(scripts: ["echo.lua": Scripts.echo], nginx: .keepAlive) { stack in
            let paths = (1...200).map { "/echo.lua?\($0)" }
            let results = try await stack.curl.sequence(paths)
            #expect(results.count == 200, "\(stack.diagnostics)")
            for (index, result) in results.enumerated() {
                #expect(result.status == 200 && result.body == "n=\(index + 1)", "request \(index + 1): \(result)")
            }
        }
    }

    @Test("concurrent requests, then sequential ones, over kept connections")
    func concurrentThenSequential() async throws {
        try await withStack(scripts: ["echo.lua": Scripts.echo], nginx: .keepAlive) { stack in
            let paths = (1...24).map { "/echo.lua?c\($0)" }
            let responses = try await stack.curl.concurrent(paths)
            for (index, response) in responses.enumerated() {
                #expect(response.status == 200 && response.body == "n=c\(index + 1)", "\(response)")
            }
            let results = try await stack.curl.sequence((1...20).map { "/echo.lua?s\($0)" })
            #expect(results.map(\.body) == (1...20).map { "n=s\($0)" }, "\(stack.diagnostics)")
        }
    }

    @Test("a POST body and errors do not upset a kept connection")
    func mixedRequests() async throws {
        try await withStack(
            scripts: ["echo.lua": Scripts.echo, "params.lua": Scripts.params, "flaky.lua": Scripts.flaky],
            nginx: .keepAlive
        ) { stack in
            for round in 1...5 {
                let post = try await stack.post("/params.lua?r=\(round)", "k=v\(round)")
                #expect(post.status == 200 && post.body == "GET r=\(round)\nPOST k=v\(round)\n", "\(post)")
                let failed = try await stack.get("/flaky.lua?fail")
                #expect(failed.status == 500)
                let missing = try await stack.get("/missing.lua")
                #expect(missing.status == 404)
                let echo = try await stack.get("/echo.lua?\(round)")
                #expect(echo.status == 200 && echo.body == "n=\(round)")
            }
        }
    }
}
