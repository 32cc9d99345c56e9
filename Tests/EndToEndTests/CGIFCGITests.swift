import Foundation
import Testing

/// libfcgi's `cgi-fcgi -bind -connect SOCK` as a second real FastCGI client,
/// straight to luafcgid's socket; it prints the raw CGI response.
@Suite("cgi-fcgi client")
struct CGIFCGITests {
    @Test("GET: Status and Content-Type headers, Content-Length, parsed query")
    func get() async throws {
        try await withStack(scripts: ["params.lua": Scripts.params], nginx: nil) { stack in
            let result = try await stack.cgiFCGI([
                "SCRIPT_FILENAME": stack.www.appendingPathComponent("params.lua").path,
                "REQUEST_METHOD": "GET",
                "QUERY_STRING": "a=1&b=x+y",
            ])
            #expect(result.exitStatus == .exited(0), "appStatus 0 expected; output:\n\(result.raw)\n\(stack.diagnostics)")
            let response = result.response
            #expect(response.header("Status") == "200 OK", "\(result.raw)")
            #expect(response.header("Content-Type") == "text/plain")
            #expect(response.body == "GET a=1 b=x y\n")
            #expect(response.header("Content-Length") == String(response.body.utf8.count))
        }
    }

    @Test("POST: the body from standard input reaches con:gets()")
    func post() async throws {
        try await withStack(scripts: ["params.lua": Scripts.params], nginx: nil) { stack in
            let body = "hello=world&x=1"
            let result = try await stack.cgiFCGI(
                [
                    "SCRIPT_FILENAME": stack.www.appendingPathComponent("params.lua").path,
                    "REQUEST_METHOD": "POST",
                    "CONTENT_TYPE": "application/x-www-form-urlencoded",
                    "CONTENT_LENGTH": String(body.utf8.count),
                ],
                body: Data(body.utf8))
            #expect(result.exitStatus == .exited(0), "\(result.raw)\n\(stack.diagnostics)")
            #expect(result.response.body == "GET \nPOST \(body)\n")
        }
    }

    @Test("the defaults: Status 200 OK and Content-Type text/html")
    func defaultHeaders() async throws {
        let script = "function main(env, con) con:puts('<p>hi</p>') end\n"
        try await withStack(scripts: ["plain.lua": script], nginx: nil) { stack in
            let result = try await stack.cgiFCGI(["SCRIPT_FILENAME": stack.www.appendingPathComponent("plain.lua").path])
            #expect(result.response.header("Status") == "200 OK", "\(result.raw)\n\(stack.diagnostics)")
            #expect(result.response.header("Content-Type") == "text/html")
            #expect(result.response.body == "<p>hi</p>")
        }
    }

    @Test("Status and Content-Type set by the script replace the defaults, once each")
    func replacedHeaders() async throws {
        try await withStack(scripts: ["nf.lua": Scripts.notFoundPage], nginx: nil) { stack in
            let result = try await stack.cgiFCGI(["SCRIPT_FILENAME": stack.www.appendingPathComponent("nf.lua").path])
            let response = result.response
            #expect(response.status == 404, "\(result.raw)\n\(stack.diagnostics)")
            #expect(response.header("Status") == "404 Not Found")
            #expect(response.header("Content-Type") == "text/plain")
            #expect(response.headerLines.filter { $0.name == "status" }.count == 1, "\(result.raw)")
            #expect(response.headerLines.filter { $0.name == "content-type" }.count == 1, "\(result.raw)")
            #expect(response.body == "custom 404")
        }
    }
}
