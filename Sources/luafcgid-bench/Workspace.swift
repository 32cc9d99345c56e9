import Foundation

/// The run's private directory under /tmp: configurations, sockets, nginx's
/// prefix, every child's output. Removed at the end unless `--keep`.
struct Workspace: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/luafcgid-bench.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BenchError("cannot create a directory under /tmp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String {
        "\(path)/\(name)"
    }

    func subdirectory(_ name: String) throws -> String {
        let directory = file(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    func write(_ text: String, to name: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: false, encoding: .utf8)
        return target
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
