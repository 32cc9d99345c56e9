import Foundation
import Testing

/// The limits of SPEC §2 where a user meets them, through nginx: `watchdog`
/// stops runaway Lua code (504), `memory` caps a state (500), `maxcount`
/// retires states; and a script that attacks the VM from inside.
@Suite("Limits")
struct LimitsTests {
    static let hello = #"function main(env, con) con:puts("hello") end"#

    @Test("code running past watchdog is stopped with 504, in the handler, the chunk, a coroutine and gsub; the worker is free at once")
    func runawayCodeIsStoppedWith504() async throws {
        let scripts = [
            "handler.lua": "function main(env, con) while true do end end",
            "chunk.lua": "while true do end function main(env, con) end",
            "coroutine.lua": """
                function main(env, con)
                  while true do coroutine.resume(coroutine.create(function() while true do pcall(function() while true do end end) end end)) end
                end
                """,
            "gsub.lua": #"function main(env, con) local s = string.rep("a", 1000) while true do s = s:gsub("a", "a") end end"#,
            "hello.lua": Self.hello,
        ]
        try await withStack(config: "workers = 1\nwatchdog = 1", scripts: scripts) { stack in
            let clock = ContinuousClock()
            for name in ["handler", "chunk", "coroutine", "gsub"] {
                let start = clock.now
                let stopped = try await stack.get("/\(name).lua")
                let took = clock.now - start
                #expect(stopped.status == 504, "\(name): \(stopped)\n\(stack.diagnostics)")
                #expect(took < .seconds(4), "\(name): answered after \(took)")
                // With one worker, this answer shows the worker was given back.
                let hello = try await stack.get("/hello.lua")
                #expect(hello.status == 200 && hello.body == "hello", "after \(name): \(hello)")
            }
            let log = stack.luafcgid.log
            for name in ["handler", "coroutine", "gsub"] {
                #expect(log.contains("/\(name).lua: stopped by the watchdog while running: it ran 1 s (watchdog = 1)"), "\(log)")
            }
            #expect(log.contains("/chunk.lua: stopped by the watchdog while loading"), "\(log)")
        }
    }

    @Test("a state past its memory cap is a 500 and closed: unbounded tables, string.rep, deep recursion")
    func aStatePastItsCapIs500() async throws {
        let scripts = [
            "table.lua": "function main(env, con) local t = {} while true do t[#t + 1] = {} end end",
            "rep.lua": #"function main(env, con) local s = string.rep("x", 2^30) con:puts(#s) end"#,
            "rep31.lua": #"function main(env, con) local s = string.rep("x", 2^31) con:puts(#s) end"#,
            "recursion.lua": "local function deeper(n) return 1 + deeper(n + 1) end function main(env, con) deeper(1) end",
            "caught.lua": "function main(env, con) while true do pcall(function() local t = {} while true do t[#t + 1] = 1 end end) end end",
            "hello.lua": Self.hello,
        ]
        try await withStack(config: "workers = 1\nmemory = 16", scripts: scripts) { stack in
            for name in ["table", "rep", "rep31", "recursion", "caught"] {
                let failed = try await stack.get("/\(name).lua")
                #expect(failed.status == 500, "\(name): \(failed)\n\(stack.diagnostics)")
                let hello = try await stack.get("/hello.lua")
                #expect(hello.status == 200, "after \(name): \(hello)")
            }
            let log = stack.luafcgid.log
            for name in ["table", "rep", "recursion", "caught"] {
                #expect(log.contains("/\(name).lua: out of memory while running: the state reached its cap (memory = 16 MiB)"), "\(log)")
            }
        }
    }

    @Test("20 requests to a script that allocates without end keep luafcgid's RSS within workers × memory + 32 MiB")
    func runawayAllocationsKeepRSSBounded() async throws {
        let scripts = [
            "hog.lua": #"function main(env, con) local t = {} while true do t[#t + 1] = string.rep("x", 100) .. #t end end"#,
            "hello.lua": Self.hello,
        ]
        let workers = 2
        let memoryMiB = 32
        try await withStack(config: "workers = \(workers)\nmemory = \(memoryMiB)", scripts: scripts) { stack in
            let pid = stack.luafcgid.process.pid
            let warm = try await stack.get("/hello.lua")
            #expect(warm.status == 200)
            let before = try ProcFS.residentKiB(of: pid)
            var peak = before
            for _ in 0..<10 {
                let responses = try await stack.curl.concurrent(Array(repeating: "/hog.lua", count: workers))
                #expect(responses.allSatisfy { $0.status == 500 }, "\(responses)\n\(stack.diagnostics)")
                peak = max(peak, try ProcFS.residentKiB(of: pid))
            }
            let bound = workers * memoryMiB * 1024 + 32 * 1024
            #expect(peak - before < bound, "RSS peaked at \(peak) KiB from \(before) KiB")
            // A state is closed (and the heap trimmed) after its answer went out: poll for it.
            var after = peak
            try await poll("RSS back within 32 MiB of where it was", timeout: .seconds(10), interval: .milliseconds(50)) {
                after = try ProcFS.residentKiB(of: pid)
                return after - before < 32 * 1024
            }
            print("Limits: 20 runaway requests; luafcgid RSS \(before) KiB before, \(after) KiB after, peak \(peak) KiB (bound +\(bound) KiB)")
            let hello = try await stack.get("/hello.lua")
            #expect(hello.status == 200)
        }
    }

    @Test("maxcount = 2 retires a state after two requests: the chunk runs again")
    func maxcountRetiresStates() async throws {
        let counter = "served = 0 function main(env, con) served = served + 1 con:puts(served) end"
        try await withStack(config: "workers = 1\nmaxcount = 2", scripts: ["count.lua": counter]) { stack in
            var bodies: [String] = []
            for _ in 0..<5 { bodies.append(try await stack.get("/count.lua").body) }
            #expect(bodies == ["1", "2", "1", "2", "1"], "\(stack.diagnostics)")
        }
    }

    @Test("a script that gives the registry raising metamethods gets 500s; the server lives on")
    func aHostileRegistryIsA500() async throws {
        let hostile = """
            function main(env, con)
              local registry = debug.getregistry()
              registry["luafcgid.con"] = nil
              debug.setmetatable(registry, {__index = function() error("boom") end, __newindex = function() error("boom") end})
              con:puts("first")
            end
            """
        try await withStack(config: "workers = 1", scripts: ["hostile.lua": hostile, "hello.lua": Self.hello]) { stack in
            for _ in 0..<2 {
                let hostile = try await stack.get("/hostile.lua")
                #expect(hostile.status == 500)
            }
            let hello = try await stack.get("/hello.lua")
            #expect(hello.body == "hello", "\(stack.diagnostics)")
        }
    }
}
