import Foundation

/// A temporary directory of Lua scripts for one test, removed when the value goes away.
final class ScriptDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("luafcgid-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `source` to `name` inside the directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ source: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try source.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }
}
