import Testing
@testable import LuaFCGI

@Suite struct ConfigurationLoaderTests {
    @Test func aScriptCanComputeItsSettings() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", """
            workers = 2
            states = workers * 3
            listen = { "/tmp/a.sock", "127.0.0.1:9001" }
            showerrors = true
            watchdog = 2.5
            extensions = ".lua"
            local helper = 1
            """)
        let configuration = try ConfigurationLoader.load(path: path)
        #expect(configuration.workers == 2)
        #expect(configuration.states == 6)
        #expect(configuration.listen == [.unix(path: "/tmp/a.sock"), .tcp(host: "127.0.0.1", port: 9001)])
        #expect(configuration.showErrors)
        #expect(configuration.watchdogSeconds == 2.5)
        #expect(configuration.extensions == [".lua"])
        #expect(configuration.warnings.isEmpty)
    }

    @Test func unknownGlobalsAreIgnoredWithAWarning() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "wokers = 4\n")
        let configuration = try ConfigurationLoader.load(path: path)
        #expect(configuration.warnings == ["\(path):1: unknown setting 'wokers' ignored"])
    }

    @Test func aWrongTypeNamesTheFileTheLineAndTheSetting() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "workers = 2\n\nworkers = 'many'\n")
        #expect(throws: ConfigurationError.wrongType(setting: "workers", source: "\(path):3", expected: "a whole number >= 1")) {
            try ConfigurationLoader.load(path: path)
        }
    }

    @Test func aBadValueOfTheRightTypeNamesItsLine() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "showerrors = true\nlisten = 'nowhere'\n")
        do {
            _ = try ConfigurationLoader.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("\(path):2: setting 'listen'"))
        }
    }

    @Test func aRangeErrorFoundAfterLoadingNamesItsLine() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "\nworkers = 0\n")
        #expect(throws: ConfigurationError.wrongType(setting: "workers", source: "\(path):2", expected: "a whole number >= 1")) {
            try ConfigurationLoader.load(path: path)
        }
    }

    @Test func globalsReadBackTheirValuesAndStandardLibrariesWork() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "workers = math.max(1, 3)\nstates = workers + 1\nlisten = string.format('/tmp/%s.sock', 'x')\n")
        let configuration = try ConfigurationLoader.load(path: path)
        #expect(configuration.workers == 3)
        #expect(configuration.states == 4)
        #expect(configuration.listen == [.unix(path: "/tmp/x.sock")])
    }

    @Test func aSyntaxErrorNamesTheLine() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "workers = 2\nstates = = 3\n")
        do {
            _ = try ConfigurationLoader.load(path: path)
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.description.contains("\(path):2:"))
        }
    }

    @Test func anErrorWhileRunningIsReported() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "error('boom')\n")
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: path) }
    }

    @Test func aMissingFileIsUnreadable() {
        do {
            _ = try ConfigurationLoader.load(path: "/nonexistent/luafcgid.lua")
            Issue.record("expected an error")
        } catch {
            guard case .unreadable(let source, let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(source == "/nonexistent/luafcgid.lua")
            #expect(reason.contains("No such file"))
        }
    }

    @Test func anArrayWithANonStringIsAWrongType() throws {
        let directory = try ScriptDirectory()
        let path = try directory.write("config.lua", "extensions = { '.lua', 5 }\n")
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: path) }
    }
}
