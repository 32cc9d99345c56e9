import Foundation
import Testing

/// `make install-files` (the install step of `make install`, without the
/// release build) into a temporary PREFIX and SYSCONFDIR, then the INSTALLED
/// binary serving the INSTALLED examples with the INSTALLED example config.
@Suite("make install")
struct InstallTests {
    /// Every file `make install-files` installs, relative to the temporary directory.
    private static let installedFiles = [
        "usr/bin/luafcgid",
        "usr/share/man/man1/luafcgid.1",
        "usr/share/man/man5/luafcgid-config.5",
        "usr/share/luafcgid/examples/config.lua",
        "usr/share/luafcgid/examples/hello.lua",
        "usr/share/luafcgid/examples/counter.lua",
        "usr/share/luafcgid/examples/dumpenv.lua",
        "usr/share/luafcgid/examples/form.lua",
        "usr/share/luafcgid/contrib/config.lua",
        "usr/share/luafcgid/contrib/systemd/luafcgid.service",
        "usr/share/luafcgid/contrib/logrotate/luafcgid",
        "usr/share/luafcgid/contrib/nginx/luafcgid.conf",
        "usr/share/luafcgid/contrib/nginx/luafcgid-upstream.conf",
        "usr/share/luafcgid/contrib/nginx/luafcgid-keepalive.conf",
        "usr/share/luafcgid/contrib/nginx/luafcgid-status.conf",
        "usr/lib/systemd/system/luafcgid.service",
        "etc/luafcgid/config.lua",
    ]

    @Test("installs the binary, man pages, examples, contrib and a default config; the installed binary serves hello.lua")
    func installAndRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await Self.makeInstallFiles(into: directory)

        for file in Self.installedFiles {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.file(file).path)
            #expect((attributes?[.size] as? Int ?? 0) > 0, "\(file) is missing or empty")
        }
        let binary = directory.file("usr/bin/luafcgid")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path))
        for page in ["usr/share/man/man1/luafcgid.1", "usr/share/man/man5/luafcgid-config.5"] {
            let text = (try? String(contentsOf: directory.file(page), encoding: .utf8)) ?? ""
            #expect(text.hasPrefix(".TH "), "\(page) does not start with .TH")
        }
        // The unit is written with the installation's paths.
        let unit = try String(contentsOf: directory.file("usr/lib/systemd/system/luafcgid.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=\(binary.path) \(directory.path)/etc/luafcgid/config.lua\n"), "\(unit)")

        // The default config is valid.
        let (check, checkStatus) = try await ChildProcess.run(
            name: "check", executable: binary, arguments: [directory.path + "/etc/luafcgid/config.lua", "--check"],
            directory: directory.url)
        #expect(checkStatus == .exited(0), "\(check.standardError)")

        // The installed binary, example config and scripts.
        let examples = directory.path + "/usr/share/luafcgid/examples"
        let socket = directory.path + "/luafcgid.sock"
        let server = try ChildProcess(
            name: "luafcgid", executable: binary,
            arguments: [examples + "/config.lua", "--listen", "unix:" + socket, "--listen", "http://127.0.0.1:0",
                        "--root", examples],
            directory: directory.url)
        do {
            let prefix = "listening on http://127.0.0.1:"
            try await poll("the installed luafcgid to listen; its log:\n\(server.standardError)") {
                if let status = server.exitStatus {
                    throw HarnessError("the installed luafcgid ended (\(status)):\n\(server.standardError)")
                }
                return server.standardError.contains(prefix) && UnixSocket.acceptsConnections(at: socket)
            }
            let line = try #require(server.standardError.split(separator: "\n").first { $0.contains(prefix) })
            let port = try #require(Int(line[line.range(of: prefix)!.upperBound...]))
            let hello = try await Curl(port: port, directory: directory).request("/hello.lua")
            #expect(hello.status == 200, "\(server.standardError)")
            #expect(hello.body == "Hello from luafcgid (Lua 5.4)\n")
            #expect(hello.header("X-Powered-By") == "luafcgid", "the example config's headers")
        } catch {
            await server.stop()
            throw error
        }
        #expect(await server.stop() == .exited(0))
    }

    @Test("a second install keeps the config in SYSCONFDIR; uninstall removes everything else")
    func reinstallKeepsConfig() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await Self.makeInstallFiles(into: directory)
        let config = directory.file("etc/luafcgid/config.lua")
        try Data("-- local changes\nworkers = 3\n".utf8).write(to: config)

        try await Self.makeInstallFiles(into: directory)
        #expect(try String(contentsOf: config, encoding: .utf8) == "-- local changes\nworkers = 3\n")

        try await Self.make("uninstall", into: directory)
        for file in Self.installedFiles where file != "etc/luafcgid/config.lua" {
            #expect(!FileManager.default.fileExists(atPath: directory.file(file).path), "\(file) is still there")
        }
        #expect(FileManager.default.fileExists(atPath: config.path))
    }

    @Test("systemd-analyze verify accepts the installed unit")
    func unitVerifies() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await Self.makeInstallFiles(into: directory)
        let unit = directory.path + "/usr/lib/systemd/system/luafcgid.service"
        // --man=no: the man pages are not on the system's MANPATH in a temporary prefix.
        let (verify, status) = try await ChildProcess.run(
            name: "systemd-analyze", executable: URL(fileURLWithPath: "/usr/bin/systemd-analyze"),
            arguments: ["verify", "--man=no", unit], directory: directory.url)
        #expect(status == .exited(0), "\(verify.standardError)")
        #expect(verify.standardError.isEmpty, "\(verify.standardError)")
    }

    /// `make install-files` with the debug binary under test.
    private static func makeInstallFiles(into directory: TemporaryDirectory) async throws {
        try await make("install-files", "BINARY=\(try LuafcgidBinary.url().path)", into: directory)
    }

    /// `make -C <package root> TARGET PREFIX=<dir>/usr SYSCONFDIR=<dir>/etc ...`; fails with its output.
    private static func make(_ target: String, _ variables: String..., into directory: TemporaryDirectory) async throws {
        let arguments = ["-C", LuafcgidBinary.packageRoot.path, target,
                         "PREFIX=\(directory.path)/usr", "SYSCONFDIR=\(directory.path)/etc"] + variables
        let (make, status) = try await ChildProcess.run(
            name: "make-\(target)", executable: URL(fileURLWithPath: "/usr/bin/make"), arguments: arguments,
            directory: directory.url)
        guard status == .exited(0) else {
            throw HarnessError("make \(target) failed (\(status)):\n\(String(decoding: make.standardOutput, as: UTF8.self))\n\(make.standardError)")
        }
    }
}
