import Testing
@testable import LuaFCGI

@Suite struct HTTPHeaderLineTests {
    @Test func parsesARawLine() throws {
        #expect(try HTTPHeaderLine(line: "X-Powered-By:  Lua \r\n") == HTTPHeaderLine(name: "X-Powered-By", value: "Lua"))
    }

    @Test func parsesABlockOfLines() throws {
        let lines = try HTTPHeaderLine.parseBlock("X-A: 1\r\nX-B: 2\n\r\n")
        #expect(lines == [HTTPHeaderLine(name: "X-A", value: "1"), HTTPHeaderLine(name: "X-B", value: "2")])
    }

    @Test(arguments: ["no colon", "Bad Name: x", ": empty name", "X: a\r\nInjected: yes"])
    func rejects(_ line: String) {
        #expect(throws: HTTPHeaderLineError.self) { try HTTPHeaderLine(line: line) }
    }

    @Test func takesANameAndAValueGivenApart() throws {
        #expect(try HTTPHeaderLine(name: " X-A ", checkingValue: " 1 \r\n") == HTTPHeaderLine(name: "X-A", value: "1"))
    }

    @Test(arguments: [("Bad Name", "x"), ("", "x"), ("X:Y", "x"), ("X", "a\r\nInjected: yes"), ("X", "a\nb")])
    func rejectsANameOrValueApart(_ name: String, _ value: String) {
        #expect(throws: HTTPHeaderLineError.self) { try HTTPHeaderLine(name: name, checkingValue: value) }
    }

    @Test func namesCompareWithoutCase() {
        #expect(HTTPHeaderLine(name: "content-TYPE", value: "x").hasName("Content-Type"))
        #expect(!HTTPHeaderLine(name: "Content-Typf", value: "x").hasName("Content-Type"))
        #expect(!HTTPHeaderLine(name: "Status2", value: "x").hasName("Status"))
    }

    @Test func statusLinesParseWithAndWithoutAReason() {
        #expect(ResponseStatus(line: "404 Not Found") == ResponseStatus(code: 404, reason: "Not Found"))
        #expect(ResponseStatus(line: "302")?.reason == "Found")
        #expect(ResponseStatus(line: "abc") == nil)
        #expect(ResponseStatus(line: "2000 x") == nil)
    }
}
