import Foundation

/// Where the binary under test and the package's files are.
enum LuafcgidBinary {
    /// The package root, derived from this file's path:
    /// `<root>/Tests/EndToEndTests/Harness/LuafcgidBinary.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Harness
        .deletingLastPathComponent()  // EndToEndTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// `examples/` of the package, whose scripts some tests serve.
    static var examplesDirectory: URL {
        packageRoot.appendingPathComponent("examples", isDirectory: true)
    }

    /// The luafcgid executable: `$LUAFCGID_BINARY` if set, else the debug
    /// build `<package root>/.build/debug/luafcgid`.
    ///
    /// A test target cannot depend on an executable target, so nothing
    /// guarantees the binary is built and fresh: `make test` runs
    /// `swift build` before `swift test`.
    static func url() throws -> URL {
        let url: URL
        if let path = ProcessInfo.processInfo.environment["LUAFCGID_BINARY"], !path.isEmpty {
            url = URL(fileURLWithPath: path)
        } else {
            url = packageRoot.appendingPathComponent(".build/debug/luafcgid")
        }
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw HarnessError(
                "luafcgid binary not found at \(url.path): run `swift build` first "
                    + "(`make test` does), or set LUAFCGID_BINARY to the binary to test"
            )
        }
        return url
    }
}
