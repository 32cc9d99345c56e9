import Testing

@testable import LuaFCGI

@Suite struct HTTPEnvironmentTests {
    private let addresses = HTTPConnectionAddresses(
        remoteAddress: "192.0.2.7", remotePort: "51234", serverAddress: "127.0.0.1", serverPort: "8080")

    private func environment(
        method: String = "GET", _ target: String, version: String = "HTTP/1.1",
        headers: [(name: String, value: String)] = [("Host", "localhost:8080")], bodyLength: Int = 0,
        root: String = "/srv/www"
    ) throws -> [String: String] {
        let parsed = try HTTPRequestTarget(parsing: target)
        let parameters = HTTPEnvironment.parameters(
            method: method, target: parsed, version: version, headers: headers, bodyLength: bodyLength,
            addresses: addresses, documentRoot: root)
        var table: [String: String] = [:]
        for pair in parameters.pairs {
            let name = String(buffer: pair.name)
            #expect(table[name] == nil, "\(name) appears twice")
            table[name] = String(buffer: pair.value)
        }
        return table
    }

    // MARK: request targets

    @Test func splitsPathAndQuery() throws {
        let target = try HTTPRequestTarget(parsing: "/app/hello.lua?x=1&y=%20z")
        #expect(target.path == "/app/hello.lua")
        #expect(target.query == "x=1&y=%20z")
        #expect(target.uri == "/app/hello.lua?x=1&y=%20z")
        #expect(try HTTPRequestTarget(parsing: "/a.lua").query == "")
        #expect(try HTTPRequestTarget(parsing: "/a.lua?").query == "")
    }

    @Test func percentDecodesThePathOnly() throws {
        let target = try HTTPRequestTarget(parsing: "/my%20app/caf%C3%A9+x.lua?q=%41")
        #expect(target.path == "/my app/café+x.lua")
        #expect(target.query == "q=%41")
        #expect(target.uri == "/my%20app/caf%C3%A9+x.lua?q=%41")
    }

    @Test func collapsesEmptyAndDotSegments() throws {
        #expect(try HTTPRequestTarget(parsing: "//app/./x.lua").path == "/app/x.lua")
        #expect(try HTTPRequestTarget(parsing: "/app/").path == "/app/")
        #expect(try HTTPRequestTarget(parsing: "/app/.").path == "/app/")
        #expect(try HTTPRequestTarget(parsing: "/").path == "/")
        #expect(try HTTPRequestTarget(parsing: "/a/..b/...lua").path == "/a/..b/...lua")
    }

    @Test(arguments: [
        "/../etc/passwd", "/app/../x.lua", "/app/..", "/app/%2e%2e/x.lua", "/app/.%2E/x.lua", "/a/..%2fsecret.lua",
        "/a/%2E%2E%2F%2E%2E%2Fetc/passwd",
    ])
    func refusesDotDotSegments(_ target: String) {
        #expect(throws: HTTPRequestTargetError.self) { try HTTPRequestTarget(parsing: target) }
    }

    @Test(arguments: ["app/x.lua", "*", "", "/a%00.lua", "/a%zz.lua", "/a%4", "/a%e9.lua", "?x=1"])
    func refusesMalformedPaths(_ target: String) {
        #expect(throws: HTTPRequestTargetError.self) { try HTTPRequestTarget(parsing: target) }
    }

    @Test func acceptsAbsoluteForm() throws {
        let target = try HTTPRequestTarget(parsing: "http://example.com:8080/app/x.lua?a=b")
        #expect(target.path == "/app/x.lua")
        #expect(target.uri == "/app/x.lua?a=b")
        #expect(try HTTPRequestTarget(parsing: "http://example.com").path == "/")
    }

    // MARK: parameters

    @Test func givesWhatNginxFastcgiParamsGive() throws {
        let env = try environment("/app/hello.lua?x=1")
        #expect(env == [
            "SCRIPT_FILENAME": "/srv/www/app/hello.lua",
            "QUERY_STRING": "x=1",
            "REQUEST_METHOD": "GET",
            "CONTENT_TYPE": "",
            "CONTENT_LENGTH": "",
            "SCRIPT_NAME": "/app/hello.lua",
            "REQUEST_URI": "/app/hello.lua?x=1",
            "DOCUMENT_URI": "/app/hello.lua",
            "DOCUMENT_ROOT": "/srv/www",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_SCHEME": "http",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_SOFTWARE": "luafcgid/2.0",
            "REMOTE_ADDR": "192.0.2.7",
            "REMOTE_PORT": "51234",
            "SERVER_ADDR": "127.0.0.1",
            "SERVER_PORT": "8080",
            "SERVER_NAME": "localhost",
            "REDIRECT_STATUS": "200",
            "HTTP_HOST": "localhost:8080",
        ])
    }

    @Test func decodedPathGoesToScriptNameAndFilename() throws {
        let env = try environment("/my%20app/x.lua?a=%20")
        #expect(env["SCRIPT_NAME"] == "/my app/x.lua")
        #expect(env["DOCUMENT_URI"] == "/my app/x.lua")
        #expect(env["SCRIPT_FILENAME"] == "/srv/www/my app/x.lua")
        #expect(env["QUERY_STRING"] == "a=%20")
        #expect(env["REQUEST_URI"] == "/my%20app/x.lua?a=%20")
    }

    @Test func rootDirectoryAsDocumentRoot() throws {
        #expect(try environment("/x.lua", root: "/")["SCRIPT_FILENAME"] == "/x.lua")
    }

    @Test func headersBecomeHTTPParameters() throws {
        let env = try environment(
            "/x.lua",
            headers: [
                ("Host", "localhost"), ("User-Agent", "curl/8.0"), ("x-forwarded-for", "10.1.1.1"),
                ("Accept", "text/html"), ("X-Custom-Header-1", "v"),
            ])
        #expect(env["HTTP_USER_AGENT"] == "curl/8.0")
        #expect(env["HTTP_X_FORWARDED_FOR"] == "10.1.1.1")
        #expect(env["HTTP_ACCEPT"] == "text/html")
        #expect(env["HTTP_X_CUSTOM_HEADER_1"] == "v")
        #expect(env["HTTP_HOST"] == "localhost")
    }

    @Test func repeatedHeadersAreJoinedAsNginxDoes() {
        let joined = HTTPEnvironment.headerParameters([
            ("Accept", "text/html"), ("X-Tag", "a"), ("accept", "application/json"), ("Cookie", "a=1"),
            ("X-TAG", "b"), ("Cookie", "b=2"),
        ])
        #expect(joined.map(\.name) == ["HTTP_ACCEPT", "HTTP_X_TAG", "HTTP_COOKIE"])
        #expect(joined.map(\.value) == ["text/html, application/json", "a, b", "a=1; b=2"])
    }

    @Test func leavesOutHeadersThatMustNotPassAsOthers() {
        let names = HTTPEnvironment.headerParameters([
            ("X_Forwarded_For", "spoofed"), ("Proxy", "http://evil:3128"), ("Transfer-Encoding", "chunked"),
            ("Content-Type", "text/plain"), ("Content-Length", "3"), ("X.Odd", "v"), ("Accept", "*/*"),
        ]).map(\.name)
        #expect(names == ["HTTP_ACCEPT"])
    }

    @Test func contentTypeAndLength() throws {
        let post = try environment(
            method: "POST", "/form.lua",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "7")], bodyLength: 7)
        #expect(post["CONTENT_TYPE"] == "application/x-www-form-urlencoded")
        #expect(post["CONTENT_LENGTH"] == "7")
        #expect(post["HTTP_CONTENT_TYPE"] == nil)
        #expect(post["HTTP_CONTENT_LENGTH"] == nil)

        let chunked = try environment(
            method: "POST", "/form.lua", headers: [("Transfer-Encoding", "chunked")], bodyLength: 12)
        #expect(chunked["CONTENT_LENGTH"] == "12")
        #expect(chunked["CONTENT_TYPE"] == "")

        let empty = try environment(method: "POST", "/form.lua", headers: [("Content-Length", "0")])
        #expect(empty["CONTENT_LENGTH"] == "0")

        let none = try environment("/x.lua", headers: [])
        #expect(none["CONTENT_LENGTH"] == "")
    }

    @Test func serverNameComesFromHostWithoutPort() throws {
        #expect(try environment("/x.lua", headers: [("Host", "Example.COM:8080")])["SERVER_NAME"] == "example.com")
        #expect(try environment("/x.lua", headers: [("Host", "[::1]:8080")])["SERVER_NAME"] == "[::1]")
        #expect(try environment("/x.lua", headers: [("Host", "example.org")])["SERVER_NAME"] == "example.org")
        #expect(try environment("/x.lua", headers: [])["SERVER_NAME"] == "127.0.0.1")
        #expect(try environment("/x.lua", headers: [("Host", "")])["SERVER_NAME"] == "127.0.0.1")
    }

    @Test func httpsOnlyWithTLS() throws {
        let env = try environment("/x.lua")
        #expect(env["HTTPS"] == nil)
        let target = try HTTPRequestTarget(parsing: "/x.lua")
        let tls = HTTPEnvironment.parameters(
            method: "GET", target: target, version: "HTTP/1.1", headers: [], bodyLength: 0, addresses: addresses,
            documentRoot: "/srv", https: true)
        #expect(tls["HTTPS"] == "on")
        #expect(tls["REQUEST_SCHEME"] == "https")
    }

    @Test func settingsNormalizeTheDocumentRoot() {
        #expect(HTTPFront.Settings.normalizedRoot("/srv/www/") == "/srv/www")
        #expect(HTTPFront.Settings.normalizedRoot("/") == "/")
        #expect(HTTPFront.Settings.normalizedRoot("/srv/www/.") == "/srv/www")
        #expect(HTTPFront.Settings.normalizedRoot("www").hasPrefix("/"))
        #expect(HTTPFront.Settings.normalizedRoot("www").hasSuffix("/www"))
        #expect(!HTTPFront.Settings.normalizedRoot(".").hasSuffix("/."))
    }
}
