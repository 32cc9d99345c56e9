import Foundation
import Testing
@testable import LuaFCGI

@Suite struct AccessLogTests {
    @Test func aLineHasSixFieldsSeparatedBySingleSpaces() {
        let line = AccessLog.line(
            time: (seconds: 1_796_230_800, milliseconds: 7), method: "GET", target: "/srv/www/hello.lua", status: 200,
            bytes: 12, duration: .microseconds(850))
        #expect(line == "2026-12-02T17:00:00.007Z GET /srv/www/hello.lua 200 12 0.850\n")
        let slow = AccessLog.line(
            time: (seconds: 0, milliseconds: 999), method: nil, target: nil, status: 499, bytes: 0, duration: .seconds(61))
        #expect(slow == "1970-01-01T00:00:00.999Z - - 499 0 61000.000\n")
    }

    @Test func spacesControlCharactersAndPercentAreEscaped() {
        #expect(AccessLog.field("/a b%c\n\u{7F}é") == "/a%20b%25c%0A%7Fé")
        #expect(AccessLog.field("") == "-")
        #expect(AccessLog.field("/plain.lua") == "/plain.lua")
    }

    @Test func linesGoToTheFileAndReopenLetsARotatedFileGo() throws {
        let directory = try ScriptDirectory()
        let path = directory.path + "/access.log"
        let log = try AccessLog(path: path)
        log.write(method: "GET", target: "/one", status: 200, bytes: 1, duration: .milliseconds(1))
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        log.write(method: "GET", target: "/two", status: 200, bytes: 1, duration: .milliseconds(1))
        try log.reopen()
        log.write(method: "POST", target: "/three", status: 404, bytes: 2, duration: .milliseconds(1))
        let rotated = try String(contentsOfFile: path + ".1", encoding: .utf8)
        let fresh = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rotated.split(separator: "\n").map { $0.split(separator: " ")[2] } == ["/one", "/two"])
        #expect(fresh.split(separator: "\n").map { $0.split(separator: " ")[1...3].joined(separator: " ") } == ["POST /three 404"])
    }

    @Test func aFileThatCannotBeOpenedIsAnError() {
        #expect(throws: LogFileError.self) { try AccessLog(path: "/nonexistent-directory/access.log") }
    }
}
