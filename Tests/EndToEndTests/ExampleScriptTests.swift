import Foundation
import Testing

/// The scripts of examples/ served through nginx with the original luafcgid
/// README's location block.
@Suite("examples/ through nginx")
struct ExampleScriptTests {
    @Test("hello.lua says hello")
    func hello() async throws {
        try await withStack(examples: ["hello.lua"]) { stack in
            let response = try await stack.get("/hello.lua")
            #expect(response.status == 200, "\(stack.diagnostics)")
            #expect(response.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(response.body.hasPrefix("Hello from luafcgid"))
        }
    }

    @Test("dumpenv.lua: env sorted and escaped, GET parameters parsed")
    func dumpenvGET() async throws {
        try await withStack(examples: ["dumpenv.lua"]) { stack in
            let response = try await stack.get("/dumpenv.lua?name=Lua+fan&tag=%3Cb%3E&n=1&n=2")
            #expect(response.status == 200, "\(stack.diagnostics)")
            let body = response.body
            let www = stack.www.path
            for row in [
                "<tr><th>REQUEST_METHOD</th><td>GET</td></tr>",
                "<tr><th>SCRIPT_FILENAME</th><td>\(www)/dumpenv.lua</td></tr>",
                "<tr><th>SCRIPT_NAME</th><td>/dumpenv.lua</td></tr>",
                "<tr><th>FCGI_ROLE</th><td>RESPONDER</td></tr>",
                "<tr><th>LUAFCGID_VERSION</th><td>",
                "<tr><th>QUERY_STRING</th><td>name=Lua+fan&amp;tag=%3Cb%3E&amp;n=1&amp;n=2</td></tr>",
                "<tr><th>name</th><td>Lua fan</td></tr>",
                "<tr><th>tag</th><td>&lt;b&gt;</td></tr>",
                "<tr><th>n</th><td>1, 2</td></tr>",
            ] {
                #expect(body.contains(row), "missing \(row) in:\n\(body)")
            }
            #expect(!body.contains("<b>"), "request data must be escaped")
            #expect(!body.contains("POST parameters"))
            // Sorted by name: CONTENT_LENGTH < DOCUMENT_ROOT < REQUEST_METHOD < SCRIPT_NAME.
            let order = ["<th>CONTENT_LENGTH<", "<th>DOCUMENT_ROOT<", "<th>REQUEST_METHOD<", "<th>SCRIPT_NAME<"]
                .compactMap { body.range(of: $0)?.lowerBound }
            #expect(order.count == 4 && order == order.sorted(), "env not sorted by name")
        }
    }

    @Test("dumpenv.lua: a form-encoded POST body is read and parsed")
    func dumpenvPOST() async throws {
        try await withStack(examples: ["dumpenv.lua"]) { stack in
            let form = "a=1&b=two+words&c=%26%3C"
            let response = try await stack.post("/dumpenv.lua?q=x", form)
            #expect(response.status == 200, "\(stack.diagnostics)")
            let body = response.body
            for row in [
                "<tr><th>REQUEST_METHOD</th><td>POST</td></tr>",
                "<tr><th>CONTENT_LENGTH</th><td>\(form.utf8.count)</td></tr>",
                "<tr><th>CONTENT_TYPE</th><td>application/x-www-form-urlencoded</td></tr>",
                "<tr><th>q</th><td>x</td></tr>",
                "<p>Request body: \(form.utf8.count) bytes</p>",
                "<tr><th>a</th><td>1</td></tr>",
                "<tr><th>b</th><td>two words</td></tr>",
                "<tr><th>c</th><td>&amp;&lt;</td></tr>",
            ] {
                #expect(body.contains(row), "missing \(row) in:\n\(body)")
            }
        }
    }

    @Test("dumpenv.lua: a ~100 KB POST body arrives whole")
    func dumpenvLargePOST() async throws {
        try await withStack(examples: ["dumpenv.lua"]) { stack in
            let big = String(repeating: "x", count: 100_000)
            let form = "big=\(big)&end=yes"
            let response = try await stack.post("/dumpenv.lua", form)
            #expect(response.status == 200, "\(stack.diagnostics)")
            #expect(response.body.contains("<p>Request body: \(form.utf8.count) bytes</p>"))
            #expect(response.body.contains("<tr><th>big</th><td>\(big)</td></tr>"))
            #expect(response.body.contains("<tr><th>end</th><td>yes</td></tr>"))
        }
    }

    @Test("counter.lua: globals persist in a state, 1, 2, 3")
    func counterPersists() async throws {
        try await withStack(examples: ["counter.lua"]) { stack in
            var states: Set<String> = []
            for expected in 1...3 {
                let response = try await stack.get("/counter.lua")
                #expect(response.status == 200, "\(stack.diagnostics)")
                let match = try #require(
                    response.body.firstMatch(of: /^state=(0x[0-9a-f]+) count=(\d+)\n$/),
                    "unexpected body: \(response.body)")
                states.insert(String(match.1))
                #expect(Int(match.2) == expected)
            }
            #expect(states.count == 1, "sequential requests should reuse the idle state")
        }
    }

    @Test("form.lua: GET shows the form, POST shows the fields escaped")
    func form() async throws {
        try await withStack(examples: ["form.lua"]) { stack in
            let page = try await stack.get("/form.lua")
            #expect(page.status == 200, "\(stack.diagnostics)")
            #expect(page.body.contains("<form method=\"post\">"))

            let sent = try await stack.post("/form.lua", "name=%3Cme%3E&comment=hi+there")
            #expect(sent.status == 200)
            #expect(sent.body.contains("<dt>name</dt><dd>&lt;me&gt;</dd>"))
            #expect(sent.body.contains("<dt>comment</dt><dd>hi there</dd>"))
            #expect(!sent.body.contains("<me>"))
        }
    }
}
