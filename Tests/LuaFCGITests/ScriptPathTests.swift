import Testing
@testable import LuaFCGI

@Suite struct ScriptPathTests {
    @Test func anOrdinaryPathPasses() {
        #expect(ScriptPath.refusal(for: "/srv/www/page.lua") == nil)
        #expect(ScriptPath.refusal(for: "relative/page.lua") == nil)
    }

    @Test func aNULAnywhereIs404() {
        for path in ["/srv/x.txt\0.lua", "\0/srv/x.lua", "/srv/x.lua\0"] {
            let refusal = ScriptPath.refusal(for: path)
            #expect(refusal?.status == .notFound)
            #expect(refusal?.reason.hasSuffix(": the script path contains a NUL byte") == true)
        }
    }

    @Test(arguments: ["/srv/www/../etc/x.lua", "/../x.lua", "../x.lua", "/srv/www/sub/..", "/srv//..//x.lua"])
    func aDotDotSegmentIs403(_ path: String) {
        let refusal = ScriptPath.refusal(for: path)
        #expect(refusal?.status == .forbidden)
        #expect(refusal?.reason.contains("`..` segment") == true)
    }

    @Test(arguments: ["/srv/..x.lua", "/srv/x..lua", "/srv/.../x.lua", "/srv/./x.lua"])
    func dotsInsideANameAreNotASegment(_ path: String) {
        #expect(ScriptPath.refusal(for: path) == nil)
    }

    @Test func aPathOfPATH_MAXBytesIs404ButOneByteLessPasses() {
        let component = String(repeating: "a", count: 200)
        var path = ""
        while path.utf8.count + 201 < 4096 { path += "/" + component }
        path += "/" + String(repeating: "b", count: 4095 - path.utf8.count - 1)
        #expect(path.utf8.count == 4095)
        #expect(ScriptPath.refusal(for: path) == nil)
        let refusal = ScriptPath.refusal(for: path + "c")
        #expect(refusal?.status == .notFound)
        #expect(refusal?.reason.contains("the path is too long (4096 bytes; PATH_MAX is 4096 with the NUL)") == true)
    }

    @Test func aComponentOverNAME_MAXIs404() {
        #expect(ScriptPath.refusal(for: "/srv/" + String(repeating: "n", count: 255)) == nil)
        let refusal = ScriptPath.refusal(for: "/srv/" + String(repeating: "n", count: 256) + "/x.lua")
        #expect(refusal?.status == .notFound)
        #expect(refusal?.reason.contains("the path is too long (a component of 256 bytes; NAME_MAX is 255)") == true)
    }

    @Test func theLogShowsAHugePathCutWithItsLength() {
        let path = "/srv/" + String(repeating: "x", count: 100_000)
        let logged = ScriptPath.logged(path)
        #expect(logged == "/srv/" + String(repeating: "x", count: 195) + "… (100005 bytes)")
        let refusal = ScriptPath.refusal(for: path)
        #expect(refusal.map { $0.reason.utf8.count < 400 } == true)
    }

    @Test func theLogShowsControlCharactersEscaped() {
        #expect(ScriptPath.logged("/srv/x.txt\0.lua") == "/srv/x.txt\\0.lua")
        #expect(ScriptPath.logged("/srv/a\nb\u{7F}.lua") == "/srv/a\\x0Ab\\x7F.lua")
        #expect(ScriptPath.logged("/srv/caf\u{e9}.lua") == "/srv/caf\u{e9}.lua")
    }
}
