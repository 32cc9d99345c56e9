import Foundation
import Logging
import Testing
@testable import LuaFCGI

@Suite struct LineLogHandlerTests {
    @Test func entriesAreDateTimeLevelMessageAndTracebacksAreIndented() throws {
        let directory = try ScriptDirectory()
        let path = directory.path + "/luafcgid.log"
        let destination = try LogDestination.file(path)
        let logger = Logger(label: "test") { _ in LineLogHandler(destination: destination) }
        logger.error("/x.lua: error while running: boom\nstack traceback:\n\t[C]: in ?")
        logger.info("plain %s %d, not a format")
        logger.debug("below the level")

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5)
        #expect(lines[0].wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR \/x\.lua: error while running: boom/) != nil)
        #expect(lines[1] == "    stack traceback:")
        #expect(lines[2] == "    \t[C]: in ?")
        #expect(lines[3].hasSuffix(" INFO plain %s %d, not a format"))
        #expect(lines[4] == "")
    }

    @Test func reopenFollowsARotatedFile() throws {
        let directory = try ScriptDirectory()
        let path = directory.path + "/luafcgid.log"
        let destination = try LogDestination.file(path)
        let logger = Logger(label: "test") { _ in LineLogHandler(destination: destination) }
        logger.info("before")
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try destination.reopen()
        logger.info("after")
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8).contains("before"))
        let current = try String(contentsOfFile: path, encoding: .utf8)
        #expect(current.contains("after") && !current.contains("before"))
    }

    @Test func anUnopenableFileIsAnError() {
        #expect(throws: LogFileError.self) { try LogDestination.file("/nonexistent-dir/x.log") }
    }
}
