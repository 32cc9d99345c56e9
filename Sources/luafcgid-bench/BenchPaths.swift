import Foundation

/// Where the benchmark finds its scripts and programs. It runs from the
/// repository root (`make bench` does that); the binaries are the ones
/// `make bench` builds.
struct BenchPaths {
    let root: String
    let luafcgid: String
    let loadGenerator: String
    let null: String
    let nginx: String
    let phpFPM: String
    let wrk: String
    let curl: String

    var benchDirectory: String { "\(root)/bench" }
    var performanceDocument: String { "\(root)/docs/PERFORMANCE.md" }

    /// Checks what the measurement needs, with a hint for each missing piece.
    /// `luafcgid-load` may be missing: the direct and memory sections are
    /// then skipped with a note (`loadGeneratorAvailable`).
    init() throws {
        root = FileManager.default.currentDirectoryPath
        guard FileManager.default.fileExists(atPath: "\(root)/bench/lua/hello.lua") else {
            throw BenchError("bench/lua/hello.lua not found: run from the repository root (make bench)")
        }
        luafcgid = "\(root)/.build/release/luafcgid"
        loadGenerator = "\(root)/.build/release/luafcgid-load"
        null = "\(root)/.build/bench/null"
        for (path, hint) in [(luafcgid, "swift build -c release --product luafcgid"), (null, "make bench")]
        where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError("\(path) not found: build it with `\(hint)`")
        }
        nginx = try Self.executable(["nginx"])
        phpFPM = try Self.executable(["php-fpm8.2", "php-fpm"])
        wrk = try Self.executable(["wrk"])
        curl = try Self.executable(["curl"])
    }

    var loadGeneratorAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: loadGenerator)
    }

    /// The first of `names` found in PATH (plus the sbin directories, where
    /// Debian puts nginx and php-fpm and a user's PATH may not look).
    private static func executable(_ names: [String]) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for name in names {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        throw BenchError("\(names[0]) not found: install it with `scripts/bootstrap --bench`")
    }
}
