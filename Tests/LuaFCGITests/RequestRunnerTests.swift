import Testing
@testable import LuaFCGI

@Suite struct RequestRunnerTests {
    @Test func helloWorldHasTheDefaultHeadAndContentLength() throws {
        let engine = try EngineHarness()
        try engine.write("hello.lua", #"function main(env, con) con:puts("Hello, ", "world", "!") end"#)
        let sink = engine.run("hello.lua")
        #expect(sink.status == 200)
        #expect(sink.head?.status.reason == "OK")
        #expect(sink.head?.headers == [HTTPHeaderLine(name: "Content-Type", value: "text/html")])
        #expect(sink.head?.contentLength == 13)
        #expect(sink.body == "Hello, world!")
        #expect(sink.end == .complete)
        #expect(sink.sendCalls == 1)
    }

    @Test func envHoldsEveryParameterAndTheVersion() throws {
        let engine = try EngineHarness()
        try engine.write("env.lua", """
            function main(env, con)
              con:puts(env.QUERY_STRING, "|", env.FCGI_ROLE, "|", type(env.LUAFCGID_VERSION), "|", env.HTTP_X_ODD)
            end
            """)
        let sink = engine.run("env.lua", parameters: [("QUERY_STRING", "a=1&b=2"), ("HTTP_X_ODD", "\u{e9}")])
        #expect(sink.body == "a=1&b=2|RESPONDER|number|\u{e9}")
    }

    @Test func statusAndContentTypeHeadersReplaceTheDefaults() throws {
        let engine = try EngineHarness(["headers": .string("X-Powered-By: Lua\r\n")])
        try engine.write("h.lua", """
            function main(env, con)
              con:header("Status", "404 Not Found")
              con:header("Content-Type: text/plain")
              con:header("X-One", 1)
              con:puts("x")
            end
            """)
        let sink = engine.run("h.lua")
        #expect(sink.head?.status == ResponseStatus(code: 404, reason: "Not Found"))
        #expect(sink.head?.headers == [
            HTTPHeaderLine(name: "Content-Type", value: "text/plain"),
            HTTPHeaderLine(name: "X-Powered-By", value: "Lua"),
            HTTPHeaderLine(name: "X-One", value: "1"),
        ])
    }

    @Test func conStatusSetsCodeAndStandardReason() throws {
        let engine = try EngineHarness()
        try engine.write("s.lua", #"function main(env, con) con:status(302); con:header("Location", "/x") end"#)
        let sink = engine.run("s.lua")
        #expect(sink.head?.status == ResponseStatus(code: 302, reason: "Found"))
    }

    @Test func headerInjectionIsAnError() throws {
        let engine = try EngineHarness(["showerrors": .boolean(true)])
        try engine.write("i.lua", #"function main(env, con) con:header("X-A", "1\r\nSet-Cookie: evil=1") end"#)
        let sink = engine.run("i.lua")
        #expect(sink.status == 500)
        #expect(!(sink.head?.headers.contains { $0.name == "Set-Cookie" } ?? true))
    }

    @Test func getsReturnsTheBodyOnceThenNil() throws {
        let engine = try EngineHarness()
        try engine.write("g.lua", """
            function main(env, con)
              local first, second = con:gets(), con:gets()
              con:puts(tostring(first), "|", tostring(second))
            end
            """)
        #expect(engine.run("g.lua", body: "a=1&b=2").body == "a=1&b=2|nil")
        #expect(engine.run("g.lua").body == "nil|nil")
    }

    @Test func flushSendsTheHeadAndBodyAtOnce() throws {
        let engine = try EngineHarness()
        try engine.write("f.lua", """
            function main(env, con)
              con:puts("one ")
              con:flush()
              con:header("X-Late", "ignored")
              con:puts("two")
            end
            """)
        let sink = engine.run("f.lua")
        #expect(sink.body == "one two")
        #expect(sink.head?.contentLength == nil)
        #expect(sink.headCount == 1)
        #expect(sink.sendCalls == 2)
        #expect(!(sink.head?.headers.contains { $0.name == "X-Late" } ?? true))
    }

    @Test func resetDropsTheUnsentBody() throws {
        let engine = try EngineHarness()
        try engine.write("r.lua", #"function main(env, con) con:puts("draft"); con:reset(); con:puts("final") end"#)
        #expect(engine.run("r.lua").body == "final")
    }

    @Test func unbufferedOutputGoesOutAsItComes() throws {
        let engine = try EngineHarness(["buffering": .boolean(false)])
        try engine.write("u.lua", #"function main(env, con) con:puts("a"); con:puts("b") end"#)
        let sink = engine.run("u.lua")
        #expect(sink.body == "ab")
        #expect(sink.sendCalls == 3)
        #expect(sink.head?.contentLength == nil)
    }

    @Test func configReturnsConfigurationValues() throws {
        let engine = try EngineHarness(["maxpost": .integer(1234)])
        try engine.write("c.lua", """
            function main(env, con)
              con:puts(con:config("maxpost"), "|", con:config("handler"), "|", con:config("extensions")[1], "|", tostring(con:config("nope")))
            end
            """)
        #expect(engine.run("c.lua").body == "1234|main|.lua|nil")
    }

    @Test func logWritesTheTextAsDataTaggedWithTheScript() throws {
        let engine = try EngineHarness()
        let path = try engine.write("log.lua", #"function main(env, con) con:log("100% %s %d done") end"#)
        engine.run("log.lua")
        #expect(engine.log.messages.contains("\(path): 100% %s %d done"))
    }

    @Test func aHeaderAfterFlushIsIgnoredWithAWarning() throws {
        let engine = try EngineHarness()
        try engine.write("late.lua", #"function main(env, con) con:flush() con:header("X-Late", "1") end"#)
        engine.run("late.lua")
        #expect(engine.log.messages.contains { $0.contains("con:header(\"X-Late\") after the headers were sent") })
    }

    @Test func globalsPersistBetweenRequests() throws {
        let engine = try EngineHarness()
        try engine.write("counter.lua", "count = 0\nfunction main(env, con) count = count + 1; con:puts(count) end")
        #expect((1...3).map { _ in engine.run("counter.lua").body } == ["1", "2", "3"])
    }

    @Test func theConfiguredHandlerNameIsCalled() throws {
        let engine = try EngineHarness(["handler": .string("handle")])
        try engine.write("h.lua", #"function handle(env, con) con:puts("handled") end"#)
        #expect(engine.run("h.lua").body == "handled")
    }

    @Test func aMissingHandlerIs500WithTheOriginalMessage() throws {
        let engine = try EngineHarness(["showerrors": .boolean(true)])
        try engine.write("none.lua", "x = 1")
        let sink = engine.run("none.lua")
        #expect(sink.status == 500)
        #expect(sink.body.contains("main() function not found"))
        #expect(sink.end == .failed)
    }

    @Test func aSyntaxErrorIs500AndShowsDetailsOnlyWithShowErrors() throws {
        for showErrors in [true, false] {
            let engine = try EngineHarness(["showerrors": .boolean(showErrors)])
            let path = try engine.write("bad.lua", "function main(env, con)\n  con:puts(\nend\n")
            let sink = engine.run("bad.lua")
            #expect(sink.status == 500)
            #expect(sink.end == .failed)
            #expect(sink.body.contains("bad.lua:3:") == showErrors)
            #expect(sink.errorLog.contains { $0.contains("bad.lua:3:") && $0.contains(path) })
            #expect(!sink.body.contains("<h1>500 Internal Server Error</h1>\n<p>/bad.lua</p>\n<pre>") || showErrors)
        }
    }

    @Test func aHandlerErrorIs500AndTheStateIsKept() throws {
        let engine = try EngineHarness(["showerrors": .boolean(true)])
        try engine.write("e.lua", """
            count = 0
            function main(env, con)
              count = count + 1
              if count == 1 then error("first time fails") end
              con:puts(count)
            end
            """)
        let failed = engine.run("e.lua")
        #expect(failed.status == 500)
        #expect(failed.body.contains("e.lua:4: first time fails"))
        #expect(failed.body.contains("stack traceback"))
        #expect(engine.run("e.lua").body == "2")
    }

    @Test func anErrorAfterFlushCutsTheResponseOff() throws {
        let engine = try EngineHarness()
        try engine.write("cut.lua", #"function main(env, con) con:puts("partial"); con:flush(); error("late") end"#)
        let sink = engine.run("cut.lua")
        #expect(sink.status == 200)
        #expect(sink.body == "partial")
        #expect(sink.end == .failed)
    }

    @Test(arguments: ["error({})", "error()", "error(setmetatable({}, {__tostring = function() return 'custom' end}))"])
    func anyErrorValueIsAnOrdinaryHandlerError(_ call: String) throws {
        let engine = try EngineHarness()
        try engine.write("v.lua", "function main(env, con) \(call) end")
        #expect(engine.run("v.lua").status == 500)
        try engine.write("ok.lua", #"function main(env, con) con:puts("alive") end"#)
        #expect(engine.run("ok.lua").body == "alive")
    }

    @Test func osExitEndsTheRequestNotTheServer() throws {
        let engine = try EngineHarness()
        try engine.write("exit.lua", #"n = 0 function main(env, con) n = n + 1 con:puts("before ", n) os.exit(1) con:puts("after") end"#)
        let first = engine.run("exit.lua")
        #expect(first.status == 200)
        #expect(first.body == "before 1")
        #expect(first.end == .complete)
        #expect(engine.run("exit.lua").body == "before 2")
    }

    @Test func osExitInTheChunkStillGivesAUsableState() throws {
        let engine = try EngineHarness()
        try engine.write("early.lua", #"function main(env, con) con:puts("ok") end os.exit() x = 1"#)
        #expect(engine.run("early.lua").body == "ok")
    }

    @Test func missingScriptsAre404AndOthers403() throws {
        let engine = try EngineHarness(["roots": .strings(["/nonexistent-root"])])
        try engine.write("notes.txt", "text")
        try engine.write("outside.lua", "function main() end")
        try engine.write("dir.lua/inner", "")
        #expect(engine.run("missing.lua").status == 404)
        #expect(engine.run("dir.lua").status == 404)
        #expect(engine.run("notes.txt").status == 403)
        #expect(engine.run("outside.lua").status == 403)
    }

    @Test func noScriptNamedIs404() throws {
        let engine = try EngineHarness()
        let sink = RecordingSink()
        engine.runner.run(Request(parameters: RequestParameters(), body: .init(), sink: sink))
        #expect(sink.status == 404)
        #expect(sink.end == .complete)
    }

    @Test func documentRootAndScriptNameLocateTheScript() throws {
        let engine = try EngineHarness()
        try engine.write("sub/page.lua", #"function main(env, con) con:puts("page") end"#)
        var parameters = RequestParameters()
        parameters.append(name: "DOCUMENT_ROOT", value: engine.directory.path + "/")
        parameters.append(name: "SCRIPT_NAME", value: "/sub/page.lua")
        let sink = RecordingSink()
        engine.runner.run(Request(parameters: parameters, body: .init(), sink: sink))
        #expect(sink.body == "page")
    }

    @Test func errorPagesEscapeThePath() throws {
        let engine = try EngineHarness()
        let sink = engine.run("<script>.lua")
        #expect(sink.status == 404)
        #expect(sink.body.contains("&lt;script&gt;.lua"))
        #expect(!sink.body.contains("<script>"))
    }

    @Test func anEditedScriptIsReloadedOnTheNextRequest() throws {
        let engine = try EngineHarness()
        try engine.write("edit.lua", #"function main(env, con) con:puts("old") end"#)
        #expect(engine.run("edit.lua").body == "old")
        try engine.write("edit.lua", #"function main(env, con) con:puts("new version") end"#)
        #expect(engine.run("edit.lua").body == "new version")
    }

    @Test func requireFindsModulesInTheScriptsDirectoryFirst() throws {
        let engine = try EngineHarness()
        try engine.write("helper.lua", #"return { greet = function() return "from helper" end }"#)
        try engine.write("uses.lua", #"local h = require "helper" function main(env, con) con:puts(h.greet()) end"#)
        #expect(engine.run("uses.lua").body == "from helper")
    }

    /// Installed by scripts/bootstrap (lua-cjson): Lua 5.4's default cpath finds Debian's modules.
    @Test func debiansLuaModulesLoad() throws {
        let engine = try EngineHarness()
        try engine.write("json.lua", #"local cjson = require "cjson" function main(env, con) con:puts(cjson.encode({1, 2})) end"#)
        #expect(engine.run("json.lua").body == "[1,2]")
    }

    @Test func theLuafcgidModuleLoads() throws {
        let engine = try EngineHarness()
        try engine.write("m.lua", #"local lf = require "luafcgid" function main(env, con) con:puts(lf.urlencode("a b&c")) end"#)
        #expect(engine.run("m.lua").body == "a+b%26c")
    }

    @Test func aConKeptFromAnEarlierRequestCannotWrite() throws {
        let engine = try EngineHarness()
        try engine.write("keep.lua", """
            function main(env, con)
              if old then
                local ok, message = pcall(old.puts, old, "stale")
                con:puts(tostring(ok), " ", message)
              end
              old = con
            end
            """)
        engine.run("keep.lua")
        #expect(engine.run("keep.lua").body.contains("false con:puts: this request object belongs to a finished request"))
    }

    @Test func anAbortedRequestStopsAtItsNextOutputAndKeepsItsState() throws {
        let engine = try EngineHarness()
        try engine.write("abort.lua", #"n = 0 function main(env, con) n = n + 1 con:puts(n) end"#)
        let (request, sink) = engine.makeRequest("abort.lua")
        // Aborted while queued: never runs.
        request.abort()
        engine.runner.run(request)
        #expect(sink.endCount == 0)
        #expect(engine.run("abort.lua").body == "1")
    }
}
