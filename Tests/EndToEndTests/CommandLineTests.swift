import Foundation
import Testing

/// The binary's command line and process life (SPEC §1, §6).
@Suite("Command line")
struct CommandLineTests {
    /// Runs `luafcgid <arguments>` to completion; returns its exit status
    /// and standard output + error.
    private func luafcgid(_ arguments: [String], in directory: TemporaryDirectory) async throws -> (ExitStatus, String) {
        let (child, status) = try await ChildProcess.run(
            name: "luafcgid-cli-\(UUID().uuidString.prefix(8))", executable: try LuafcgidBinary.url(),
            arguments: arguments, directory: directory.url, timeout: .seconds(30))
        return (status, String(decoding: child.standardOutput, as: UTF8.self) + child.standardError)
    }

    /// `--help` used to abort on a failed cast: ArgumentParser parses it as its
    /// own `HelpCommand`, not as `LuafcgidCommand`.
    @Test("--help and -h print the usage: exit 0", arguments: ["--help", "-h"])
    func helpPrintsUsageInsteadOfCrashing(flag: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (status, output) = try await luafcgid([flag], in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("USAGE"), "\(output)")
        #expect(output.contains("--listen"), "\(output)")
    }

    @Test("--version prints the version: exit 0")
    func version() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (status, output) = try await luafcgid(["--version"], in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("luafcgid 2.0.0"), "\(output)")
    }

    @Test("an unknown option is a usage error: exit 2")
    func unknownOption() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (status, output) = try await luafcgid(["--no-such-option"], in: directory)
        #expect(status == .exited(2), "\(output)")
        #expect(output.contains("--no-such-option"), "\(output)")
    }

    @Test("--check accepts a good config: exit 0")
    func checkGoodConfig() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("good.conf.lua", """
            listen = "unix:\(directory.file("x.sock").path)"
            workers = 2
            states = workers * 2
            showerrors = true
            extensions = { ".lua" }
            """)
        let (status, output) = try await luafcgid([config.path, "--check"], in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.sock").path), "--check must not listen")
    }

    @Test("--check warns of a missing preload file, taken from the config file's directory: exit 0")
    func checkWarnsOfAMissingPreload() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("preload.conf.lua", "preload = \"lib/preload.lua\"\n")
        let (status, output) = try await luafcgid([config.path, "--check"], in: directory)
        let preload = directory.file("lib/preload.lua").path
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("warning: preload \(preload): No such file or directory"), "\(output)")
    }

    @Test("--check rejects a wrong type: exit 2 naming the setting")
    func checkWrongType() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("typo.conf.lua", "workers = \"many\"\n")
        let (status, output) = try await luafcgid([config.path, "--check"], in: directory)
        #expect(status == .exited(2), "\(output)")
        #expect(output.contains("workers"), "\(output)")
    }

    @Test("--check rejects a syntax error: exit 2 naming the file and line")
    func checkSyntaxError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("broken.conf.lua", "workers = 2\nstates = 4\nclones = = 2\n")
        let (status, output) = try await luafcgid([config.path, "--check"], in: directory)
        #expect(status == .exited(2), "\(output)")
        #expect(output.contains("broken.conf.lua"), "\(output)")
        #expect(output.contains(":3:") || output.contains("line 3"), "\(output)")
    }

    @Test("a second server on a socket held by a live one exits 1 naming the address")
    func socketInUse() async throws {
        try await withStack(scripts: ["plain.lua": "function main(env, con) con:puts('up') end\n"], nginx: nil) { stack in
            let socket = stack.luafcgid.socketPath
            let config = try stack.directory.write("second.conf.lua", "listen = \"unix:\(socket)\"\n")
            let (status, output) = try await luafcgid([config.path], in: stack.directory)
            #expect(status == .exited(1), "\(output)")
            #expect(output.contains(socket), "\(output)")

            // The first server is unharmed.
            #expect(stack.luafcgid.process.isRunning)
            let result = try await stack.cgiFCGI(["SCRIPT_FILENAME": stack.www.appendingPathComponent("plain.lua").path])
            #expect(result.response.body == "up", "\(result.raw)\n\(stack.diagnostics)")
        }
    }

    @Test("SIGTERM: exit 0 and the socket file is removed")
    func sigterm() async throws {
        try await withStack(nginx: nil) { stack in
            let socket = stack.luafcgid.socketPath
            #expect(FileManager.default.fileExists(atPath: socket))
            stack.luafcgid.process.send(SIGTERM)
            let status = try await stack.luafcgid.process.waitForExit(timeout: .seconds(15))
            #expect(status == .exited(0), "\(stack.diagnostics)")
            #expect(!FileManager.default.fileExists(atPath: socket), "socket file left behind")
        }
    }
}
