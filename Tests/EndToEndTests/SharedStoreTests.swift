import Foundation
import Testing

/// `require("luafcgid").shared` through nginx (SPEC §4.3): one store for every
/// state of the process, `incr` atomic across states running at once, TTLs that
/// expire, and a store that survives a reload.
@Suite("Shared store")
struct SharedStoreTests {
    /// Two different scripts counting into one key; `?read` reads it instead.
    static func counter(_ name: String) -> String {
        """
        local shared = require("luafcgid").shared
        function main(env, con)
          if env.QUERY_STRING == "read" then
            con:puts(tostring(shared:get("hits")))
          else
            con:puts("\(name) ", assert(shared:incr("hits", 1, 0)))
          end
        end
        """
    }

    /// `?set` stores a key for 0.2 s and one for good; every answer shows the live keys'
    /// count and the store (its entries count until housekeeping removes an expired one:
    /// nothing here touches the expired key).
    static let expiring = """
        local shared = require("luafcgid").shared
        function main(env, con)
          if env.QUERY_STRING == "set" then
            assert(shared:set("short", "lived", 0.2))
            assert(shared:set("kept", string.rep("x", 1000)))
          end
          con:puts(#shared:keys(), " ", tostring(shared))
        end
        """

    @Test("8 clients x 200 requests across two scripts count exactly 1600")
    func concurrentIncrementsAreExact() async throws {
        let scripts = ["a.lua": Self.counter("a"), "b.lua": Self.counter("b")]
        try await withStack(config: "workers = 4\nclones = 4\nstates = 16", scripts: scripts) { stack in
            // Curl is not Sendable for its TemporaryDirectory, whose use here (a directory
            // made if missing, file names with unique ids) is safe from several tasks.
            nonisolated(unsafe) let curl = stack.curl
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var failures = 0
                        for request in 0..<200 {
                            let response = try await curl.request((client + request) % 2 == 0 ? "/a.lua" : "/b.lua")
                            if response.status != 200 { failures += 1 }
                        }
                        return failures
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(failures == 0, "\(stack.diagnostics)")
            #expect(try await stack.get("/a.lua?read").body == "1600", "\(stack.diagnostics)")
            #expect(try await stack.get("/b.lua?read").body == "1600")
        }
    }

    @Test("An entry with a TTL is gone after it, and housekeeping removes it")
    func ttlExpires() async throws {
        try await withStack(config: "sweep = 50", scripts: ["ttl.lua": Self.expiring]) { stack in
            let set = try await stack.get("/ttl.lua?set").body
            #expect(set.hasPrefix("2 luafcgid.shared (2 entries,"), "\(set)")
            try await poll("the entry to expire and be swept", timeout: .seconds(10), interval: .milliseconds(50)) {
                try await stack.get("/ttl.lua").body.hasPrefix("1 luafcgid.shared (1 entries,")
            }
        }
    }

    @Test("SIGHUP keeps the store and resizes it: the log names the change, the entries stay")
    func survivesReload() async throws {
        try await withStack(scripts: ["ttl.lua": Self.expiring]) { stack in
            _ = try await stack.get("/ttl.lua?set")
            try stack.luafcgid.appendToConfig("shared = 2")
            stack.luafcgid.process.send(SIGHUP)
            try await stack.luafcgid.waitForLog(containing: "SIGHUP: reloaded")
            #expect(stack.luafcgid.log.contains("shared 16 → 2"), "\(stack.diagnostics)")
            let after = try await stack.get("/ttl.lua").body
            #expect(after.hasSuffix("of 2097152 bytes)"), "\(after)")
            #expect(after.hasPrefix("2 luafcgid.shared (2 entries,"), "\(after)")
        }
    }
}
