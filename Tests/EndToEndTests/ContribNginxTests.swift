import Foundation
import Testing

/// contrib/nginx/: each snippet as shipped, in the private nginx, with only
/// luafcgid's socket path (/run/luafcgid/luafcgid.sock) replaced by the
/// test's and `include fastcgi_params;` finding Debian's file.
@Suite("contrib/nginx snippets")
struct ContribNginxTests {
    private static let shippedSocket = "/run/luafcgid/luafcgid.sock"
    private static let helloBody = "Hello from luafcgid (Lua 5.4)\n"

    /// `contrib/nginx/<name>` with the socket path replaced.
    private static func snippet(_ name: String, socket: String) throws -> String {
        try ContribFile("nginx/\(name)").replacing([(shippedSocket, socket)])
    }

    @Test("luafcgid.conf: hello.lua over the unix socket, a connection per request")
    func plainLocation() async throws {
        let nginx = NginxServer.Variant.snippets { socket in ("", try Self.snippet("luafcgid.conf", socket: socket)) }
        try await withStack(examples: ["hello.lua"], nginx: nginx) { stack in
            let baseline = try ProcFS.openDescriptors(of: stack.luafcgid.process.pid)
            for _ in 1...3 {
                let response = try await stack.get("/hello.lua")
                #expect(response.status == 200, "\(stack.diagnostics)")
                #expect(response.body == Self.helloBody)
            }
            // nginx closes each FastCGI connection after its request: none stays open.
            try await poll("luafcgid to be back at \(baseline) descriptors") {
                try ProcFS.openDescriptors(of: stack.luafcgid.process.pid) == baseline
            }
        }
    }

    @Test("luafcgid-upstream.conf + luafcgid-keepalive.conf: hello.lua over one kept connection")
    func keepAliveUpstream() async throws {
        let nginx = NginxServer.Variant.snippets { socket in
            (try Self.snippet("luafcgid-upstream.conf", socket: socket), try ContribFile("nginx/luafcgid-keepalive.conf").text)
        }
        try await withStack(examples: ["hello.lua"], nginx: nginx) { stack in
            let baseline = try ProcFS.openDescriptors(of: stack.luafcgid.process.pid)
            let results = try await stack.curl.sequence(Array(repeating: "/hello.lua", count: 20))
            #expect(results.count == 20, "\(stack.diagnostics)")
            for result in results {
                #expect(result.status == 200 && result.body == Self.helloBody, "\(result)")
            }
            // One nginx process, requests one after another: one FastCGI connection, kept open.
            try await poll("luafcgid to hold exactly one kept connection (\(baseline) + 1 descriptors)") {
                try ProcFS.openDescriptors(of: stack.luafcgid.process.pid) == baseline + 1
            }
        }
    }

    @Test("luafcgid-status.conf: status and ping for 127.0.0.1, refused to others by nginx")
    func statusAndPing() async throws {
        let nginx = NginxServer.Variant.snippets { socket in
            ("", try Self.snippet("luafcgid.conf", socket: socket) + "\n" + Self.snippet("luafcgid-status.conf", socket: socket))
        }
        let config = """
            status = "/luafcgid-status"
            ping = "/luafcgid-ping"
            """
        try await withStack(config: config, examples: ["hello.lua"], nginx: nginx) { stack in
            let port = try #require(stack.nginx?.tcpPort)
            let local = Curl(port: port, directory: stack.directory)

            // Clients of the unix-socket listener are "unix:", not 127.0.0.1: `deny all`.
            #expect(try await stack.get("/luafcgid-ping").status == 403)
            #expect(try await stack.get("/luafcgid-status").status == 403)
            #expect(try await stack.get("/hello.lua").status == 200)
            let hello = try await local.request("/hello.lua")
            #expect(hello.status == 200 && hello.body == Self.helloBody, "\(hello)")

            let ping = try await local.request("/luafcgid-ping")
            #expect(ping.status == 200, "\(stack.diagnostics)")
            #expect(ping.body.hasPrefix("pong"), "\(ping.body)")

            let status = try await local.request("/luafcgid-status")
            #expect(status.status == 200, "\(stack.diagnostics)")
            let json = (try? JSONSerialization.jsonObject(with: Data(status.body.utf8))) as? [String: Any]
            #expect(json?["uptime_seconds"] != nil, "\(status.body)")
            #expect(json?["requests"] is [String: Any], "\(status.body)")
        }
    }
}
