import Foundation
import Testing
@testable import LuaFCGI

@Suite struct ConfigurationTests {
    @Test func defaultsFollowTheSpecification() throws {
        let configuration = try Configuration(scriptValues: [:], processorCount: 3)
        #expect(configuration.listen == [.tcp(host: "127.0.0.1", port: 9000)])
        #expect(configuration.workers == 3)
        #expect(configuration.states == 6)
        #expect(configuration.clones == 6)
        #expect(configuration.sweepMilliseconds == 1000)
        #expect(configuration.showErrors == false)
        #expect(configuration.buffering == true)
        #expect(configuration.handler == "main")
        #expect(configuration.httpStatus == ResponseStatus(code: 200, reason: "OK"))
        #expect(configuration.contentType == "text/html")
        #expect(configuration.maxPost == 1_048_576)
        #expect(configuration.watchdogSeconds == 60)
        #expect(configuration.memoryMiB == 64)
        #expect(configuration.extensions == [".lua"])
        #expect(configuration.socketMode == 0o660)
        #expect(configuration.queue == 1024)
        #expect(configuration.values["states"] == .integer(6))
    }

    /// A `watchdog` of 1e300 seconds used to trap converting it to milliseconds at start-up.
    @Test func limitsTooLargeToComputeWithAreRefused() throws {
        for (name, value, reason) in [
            ("watchdog", ConfigurationValue.number(1e300), "at most 31536000 seconds"),
            ("memory", .integer(1 << 40), "at most 1048576 MiB"),
            ("slowlog", .number(1e300), "at most 31536000 seconds"),
        ] {
            #expect {
                try Configuration(scriptValues: [name: value])
            } throws: { error in
                guard case .invalid(let setting, _, let message) = error as? ConfigurationError else { return false }
                return setting == name && message.contains(reason)
            }
        }
        let largest = try Configuration(scriptValues: ["watchdog": .integer(31_536_000), "memory": .integer(1 << 20)])
        #expect(ScriptLimits(configuration: largest).memoryBytes == 1 << 40)
    }

    @Test func slowlogTakesFractionsOfASecond() throws {
        let configuration = try Configuration(scriptValues: ["slowlog": .number(0.5)])
        #expect(ScriptLimits(configuration: configuration).slowLog == .milliseconds(500))
        #expect(ScriptLimits(configuration: try Configuration(scriptValues: [:])).slowLog == nil)
    }

    @Test func aRelativePreloadIsTakenFromTheConfigFilesDirectory() throws {
        let directory = try ScriptDirectory()
        let preload = try directory.write("lib/preload.lua", "x = 1")
        let configuration = try Configuration(
            scriptValues: ["preload": .string("lib/preload.lua")], source: directory.path + "/luafcgid.conf.lua")
        #expect(configuration.preload == preload)
        #expect(configuration.values["preload"] == .string(preload))
        #expect(configuration.warnings.isEmpty)
        #expect(Configuration.absolute("/etc/p.lua", relativeTo: "conf/x.lua") == "/etc/p.lua")
        #expect(Configuration.absolute("p.lua", relativeTo: "/x.lua") == "/p.lua")
        let cwd = FileManager.default.currentDirectoryPath
        #expect(Configuration.absolute("p.lua", relativeTo: "conf/x.lua") == cwd + "/conf/p.lua")
        #expect(Configuration.absolute("p.lua", relativeTo: nil) == cwd + "/p.lua")
    }

    @Test func aMissingPreloadIsAWarningNotAnError() throws {
        let configuration = try Configuration(scriptValues: ["preload": .string("/nonexistent/preload.lua")])
        #expect(configuration.warnings == [
            "preload /nonexistent/preload.lua: No such file or directory; requests needing a new state get 500 until it is there"
        ])
    }

    @Test func statesBelowWorkersAreRaisedWithAWarning() throws {
        let configuration = try Configuration(scriptValues: ["workers": .integer(4), "states": .integer(2)])
        #expect(configuration.states == 4)
        #expect(configuration.warnings.contains { $0.contains("raised") })
    }

    @Test func clonesNeverExceedStates() throws {
        let configuration = try Configuration(scriptValues: ["workers": .integer(1), "states": .integer(2), "clones": .integer(9)])
        #expect(configuration.clones == 2)
    }

    @Test func flagsOverrideTheScript() throws {
        let configuration = try Configuration(
            scriptValues: ["listen": .string("/a.sock"), "workers": .integer(8)],
            overrides: .init(listen: ["/b.sock", "http://127.0.0.1:1"], workers: 2, root: "/srv"))
        #expect(configuration.listen == [.unix(path: "/b.sock"), .http(host: "127.0.0.1", port: 1)])
        #expect(configuration.workers == 2)
        #expect(configuration.states == 4)
        #expect(configuration.documentRoot == "/srv")
    }

    @Test func documentRootFallsBackToRootsThenTheConfigDirectory() throws {
        #expect(try Configuration(scriptValues: ["roots": .strings(["/www", "/x"])], source: "/etc/l/c.lua").documentRoot == "/www")
        #expect(try Configuration(scriptValues: [:], source: "/etc/l/c.lua").documentRoot == "/etc/l")
    }

    @Test func headersAreParsedIntoLines() throws {
        let configuration = try Configuration(scriptValues: ["headers": .string("X-Powered-By: Lua\r\nX-B: 2\r\n")])
        #expect(configuration.extraHeaders == [HTTPHeaderLine(name: "X-Powered-By", value: "Lua"), HTTPHeaderLine(name: "X-B", value: "2")])
    }

    @Test func wrongTypesNameTheSetting() {
        #expect(throws: ConfigurationError.wrongType(setting: "workers", source: "c.lua", expected: "a whole number >= 1")) {
            try Configuration(scriptValues: ["workers": .string("four")], source: "c.lua")
        }
        #expect(throws: ConfigurationError.self) { try Configuration(scriptValues: ["workers": .integer(0)]) }
        #expect(throws: ConfigurationError.self) { try Configuration(scriptValues: ["showerrors": .integer(1)]) }
        #expect(throws: ConfigurationError.self) { try Configuration(scriptValues: ["socketmode": .string("rw")]) }
        #expect(throws: ConfigurationError.self) { try Configuration(scriptValues: ["httpstatus": .string("OK")]) }
        #expect(throws: ConfigurationError.self) { try Configuration(scriptValues: ["listen": .string("nowhere")]) }
        #expect(throws: ConfigurationError.self) { try Configuration(scriptValues: ["headers": .string("broken")]) }
    }
}
