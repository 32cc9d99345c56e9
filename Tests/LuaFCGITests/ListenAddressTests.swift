import Testing
@testable import LuaFCGI

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("/tmp/x.sock", ListenAddress.unix(path: "/tmp/x.sock")),
        ("unix:/tmp/x.sock", .unix(path: "/tmp/x.sock")),
        ("127.0.0.1:9000", .tcp(host: "127.0.0.1", port: 9000)),
        (":9000", .tcp(host: "0.0.0.0", port: 9000)),
        ("[::1]:9000", .tcp(host: "::1", port: 9000)),
        ("localhost:80", .tcp(host: "localhost", port: 80)),
        ("http://127.0.0.1:8080", .http(host: "127.0.0.1", port: 8080)),
        ("http://[::1]:8080/", .http(host: "::1", port: 8080)),
    ])
    func parses(_ text: String, _ expected: ListenAddress) throws {
        #expect(try ListenAddress(parsing: text) == expected)
    }

    @Test(arguments: ["", "9000", "host:", "host:99999", "host:abc", "[::1:9000", "unix:"])
    func rejects(_ text: String) {
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: text) }
    }

    @Test func describesItselfInTheSpellingItAccepts() throws {
        for text in ["unix:/a.sock", "127.0.0.1:9000", "[::1]:9000", "http://127.0.0.1:8080"] {
            #expect(try ListenAddress(parsing: text).description == text)
        }
    }

    @Test func portZeroIsReportedWithThePortTheSystemGave() {
        #expect(ListenAddress.http(host: "127.0.0.1", port: 0).boundTo(port: 41234).description == "http://127.0.0.1:41234")
        #expect(ListenAddress.tcp(host: "::1", port: 0).boundTo(port: 9).description == "[::1]:9")
        #expect(ListenAddress.unix(path: "/a.sock").boundTo(port: nil) == .unix(path: "/a.sock"))
    }
}
