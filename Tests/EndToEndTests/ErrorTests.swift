import Foundation
import Testing

/// Error pages and scripts that misbehave (SPEC §3.1, §3.5, §3.6).
@Suite("Errors")
struct ErrorTests {
    @Test("a syntax error gives 500 with the file:line: message when showerrors = true")
    func syntaxErrorShown() async throws {
        try await withStack(config: "showerrors = true", scripts: ["bad.lua": Scripts.syntaxError]) { stack in
            let response = try await stack.get("/bad.lua")
            #expect(response.status == 500, "\(stack.diagnostics)")
            #expect(response.body.contains("bad.lua:3:"), "page lacks the error: \(response.body)")
            try await stack.luafcgid.waitForLog(containing: "bad.lua:3:")
        }
    }

    @Test("a syntax error gives 500 without details when showerrors = false; the log has them")
    func syntaxErrorHidden() async throws {
        try await withStack(config: "showerrors = false", scripts: ["bad.lua": Scripts.syntaxError]) { stack in
            let response = try await stack.get("/bad.lua")
            #expect(response.status == 500, "\(stack.diagnostics)")
            #expect(!response.body.contains("bad.lua:3"), "page shows the error: \(response.body)")
            #expect(!response.body.contains("expected"), "page shows the error: \(response.body)")
            try await stack.luafcgid.waitForLog(containing: "bad.lua:3:")
        }
    }

    @Test("a handler error gives 500; the state is kept and the next request works")
    func handlerErrorThenNextRequest() async throws {
        try await withStack(scripts: ["flaky.lua": Scripts.flaky]) { stack in
            let failed = try await stack.get("/flaky.lua?fail")
            #expect(failed.status == 500, "\(stack.diagnostics)")
            #expect(!failed.body.contains("deliberate failure"), "showerrors is off by default")
            try await stack.luafcgid.waitForLog(containing: "deliberate failure")

            let next = try await stack.get("/flaky.lua")
            #expect(next.status == 200)
            #expect(next.body == "fine 2", "the state (calls = 1 after the failure) should be reused")
        }
    }

    @Test("os.exit() ends the request with its output; the server keeps serving")
    func osExitEndsOnlyTheRequest() async throws {
        try await withStack(scripts: ["exit.lua": Scripts.exit], examples: ["hello.lua"]) { stack in
            let response = try await stack.get("/exit.lua")
            #expect(response.status == 200, "\(stack.diagnostics)")
            #expect(response.body == "before exit\n")
            #expect(stack.luafcgid.process.isRunning, "os.exit() stopped the server")

            let hello = try await stack.get("/hello.lua")
            #expect(hello.status == 200)
            #expect(hello.body.hasPrefix("Hello from luafcgid"))
            let again = try await stack.get("/exit.lua")
            #expect(again.status == 200)
            #expect(again.body == "before exit\n")
        }
    }

    @Test("a missing script gives 404, without the file system path")
    func missingScript() async throws {
        try await withStack { stack in
            let response = try await stack.get("/nope.lua")
            #expect(response.status == 404, "\(stack.diagnostics)")
            #expect(!response.body.contains(stack.www.path))
        }
    }

    @Test("a file whose extension is not in `extensions` gives 403")
    func wrongExtension() async throws {
        try await withStack(scripts: ["notes.txt": "function main(env, con) con:puts('ran') end\n"]) { stack in
            // nginx's test config forwards .txt too, as a careless one might.
            let response = try await stack.get("/notes.txt")
            #expect(response.status == 403, "\(stack.diagnostics)")
            #expect(!response.body.contains("ran"))
            #expect(!response.body.contains(stack.www.path))
        }
    }

    @Test("a POST body over maxpost gives 413 without running the handler")
    func postOverMaxpost() async throws {
        try await withStack(config: "maxpost = 1000", scripts: ["hits.lua": Scripts.hits]) { stack in
            let tooBig = try await stack.post("/hits.lua", "x=" + String(repeating: "y", count: 5000))
            #expect(tooBig.status == 413, "\(stack.diagnostics)")

            let small = try await stack.post("/hits.lua", "x=" + String(repeating: "y", count: 500))
            #expect(small.status == 200)
            #expect(small.body == "hits=1", "the handler ran for the 413 request")
        }
    }
}
