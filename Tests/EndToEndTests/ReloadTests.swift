import Foundation
import Testing

/// Housekeeping (SPEC §3.7): a changed script is loaded anew.
@Suite("Script reload")
struct ReloadTests {
    @Test("an edited script is reloaded after a sweep")
    func editedScriptReloads() async throws {
        try await withStack(config: "sweep = 100", scripts: ["page.lua": Scripts.version("version 1")]) { stack in
            let first = try await stack.get("/page.lua")
            #expect(first.status == 200, "\(stack.diagnostics)")
            #expect(first.body == "version 1")

            // Different size, and an mtime surely different from the first.
            let path = try stack.writeScript("page.lua", Scripts.version("version 2, edited"))
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: path)

            var last = first
            try await poll("the edited script to be served; last answer: \(last)", timeout: .seconds(10), interval: .milliseconds(100)) {
                last = try await stack.get("/page.lua")
                return last.body == "version 2, edited"
            }
            #expect(last.status == 200)
        }
    }
}
