import Foundation
import Testing

/// Lua states: each has its own globals, also clones of one script.
@Suite("Lua states")
struct StateTests {
    /// `workers = 2; clones = 2`: concurrent requests for one busy script
    /// need a clone. Each state numbers its own requests; if two states
    /// shared globals, the numbers would have gaps or repeats.
    @Test("two clones stay isolated under concurrent requests")
    func clonesStayIsolated() async throws {
        let config = """
            workers = 2
            states = 4
            clones = 2
            """
        try await withStack(config: config, scripts: ["isolation.lua": Scripts.isolation]) { stack in
            let responses = try await stack.curl.concurrent(Array(repeating: "/isolation.lua", count: 16))
            var counts: [String: [Int]] = [:]
            for response in responses {
                #expect(response.status == 200, "\(response)\n\(stack.diagnostics)")
                let match = try #require(
                    response.body.firstMatch(of: /^(0x[0-9a-f]+) (\d+)$/), "unexpected body: \(response.body)")
                counts[String(match.1), default: []].append(Int(match.2)!)
            }
            #expect(counts.count == 2, "expected exactly `clones` = 2 states, got \(counts)")
            for (id, seen) in counts {
                #expect(seen.sorted() == Array(1...seen.count), "state \(id) counted \(seen.sorted())")
            }
        }
    }
}
