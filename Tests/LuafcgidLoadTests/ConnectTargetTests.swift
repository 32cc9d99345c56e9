import Testing

@testable import luafcgid_load

@Suite struct ConnectTargetTests {
    @Test func parsesUnixAndTCPTargets() throws {
        #expect(try ConnectTarget(parsing: "unix:/run/x.sock") == .unix(path: "/run/x.sock"))
        #expect(try ConnectTarget(parsing: "tcp:127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(try ConnectTarget(parsing: "tcp:localhost:1") == .tcp(host: "localhost", port: 1))
        #expect(try ConnectTarget(parsing: "tcp:[::1]:9000") == .tcp(host: "::1", port: 9000))
    }

    @Test(arguments: ["", "unix:", "tcp:", "tcp::9000", "tcp:host", "tcp:host:65536", "tcp:host:x", "udp:host:1"])
    func refusesMalformedTargets(text: String) {
        #expect(throws: LoadUsageError.self) {
            try ConnectTarget(parsing: text)
        }
    }

    @Test func describesItselfAsItIsWritten() throws {
        for text in ["unix:/run/x.sock", "tcp:127.0.0.1:9000", "tcp:[::1]:9000"] {
            #expect(try ConnectTarget(parsing: text).description == text)
        }
    }

    @Test func resolvesANumericAddressWithoutALookup() throws {
        #expect(try ConnectTarget(parsing: "tcp:127.0.0.1:9000").socketAddress().port == 9000)
        #expect(try ConnectTarget(parsing: "unix:/run/x.sock").socketAddress().pathname == "/run/x.sock")
    }
}
