import Foundation
import Testing

/// `preload` and `slowlog` (SPEC §2) where an operator meets them, through nginx.
@Suite("Preload and slowlog")
struct PreloadSlowLogTests {
    @Test("preload: its helpers serve every script; a broken preload is a 500 naming it, on the page with showerrors; fixed, it serves again")
    func preloadThroughNginx() async throws {
        let scripts = [
            "preload.lua": #"function greet(name) return "hello " .. name end"#,
            "page.lua": #"function main(env, con) con:puts(greet("nginx")) end"#,
        ]
        // Relative: taken from the config file's directory, the stack's, which holds www/.
        let config = "workers = 1\nsweep = 50\nshowerrors = true\npreload = \"www/preload.lua\""
        try await withStack(config: config, scripts: scripts) { stack in
            let first = try await stack.get("/page.lua")
            #expect(first.status == 200 && first.body == "hello nginx", "\(first)\n\(stack.diagnostics)")

            let preload = try stack.writeScript("preload.lua", "function greet(name) return name end error('preload is broken')")
            var broken = first
            try await poll("a 500 once the changed preload is seen", timeout: .seconds(10), interval: .milliseconds(50)) {
                broken = try await stack.get("/page.lua")
                return broken.status == 500
            }
            #expect(broken.body.contains("preload \(preload): "), "\(broken.body)")
            #expect(broken.body.contains("preload is broken"), "\(broken.body)")
            try await stack.luafcgid.waitForLog(containing: "ERROR preload \(preload) (for \(stack.www.path)/page.lua): error while loading: ")

            try stack.writeScript("preload.lua", #"function greet(name) return "hi again, " .. name end"#)
            let fixed = try await stack.get("/page.lua")
            #expect(fixed.status == 200 && fixed.body == "hi again, nginx", "\(fixed)\n\(stack.diagnostics)")
        }
    }

    @Test("slowlog = 0.5: a handler looping 1.5 s is logged once, naming its function and line, and still answers 200")
    func slowlogThroughNginx() async throws {
        let slow = """
            local function crunch(seconds)
              local start = os.clock() while os.clock() - start < seconds do end
            end
            function main(env, con)
              crunch(1.5)
              con:puts("done")
            end
            """
        let scripts = ["slow.lua": slow, "quick.lua": #"function main(env, con) con:puts("quick") end"#]
        try await withStack(config: "workers = 1\nwatchdog = 10\nslowlog = 0.5", scripts: scripts) { stack in
            let quick = try await stack.get("/quick.lua")
            #expect(quick.status == 200)
            let response = try await stack.get("/slow.lua?x=1")
            #expect(response.status == 200 && response.body == "done", "\(response)\n\(stack.diagnostics)")
            let script = stack.www.path + "/slow.lua"
            try await stack.luafcgid.waitForLog(containing: "WARNING slow: \(script) (/slow.lua?x=1) has run 0.")
            let log = stack.luafcgid.log
            #expect(log.components(separatedBy: "WARNING slow: ").count == 2, "\(log)")
            #expect(log.contains("(slowlog = 0.5), still running; where it is:\n"), "\(log)")
            #expect(log.contains("slow.lua:2: in upvalue 'crunch'") || log.contains("slow.lua:2: in local 'crunch'"), "\(log)")
            #expect(log.contains("slow.lua:5: in function 'main'"), "\(log)")
            #expect(!log.contains("/quick.lua) has run"), "\(log)")
        }
    }
}
