import Foundation

/// A fresh directory under /tmp for one test: its config, scripts, sockets
/// and logs. Short on purpose, since unix socket paths must fit in 108 bytes.
///
/// Set `LUAFCGID_E2E_KEEP=1` to keep the directories for a post-mortem.
final class TemporaryDirectory {
    let url: URL

    var path: String { url.path }

    init() throws {
        var template = Array("/tmp/lfe2e.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        url = URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    /// The path of `name` inside the directory (nothing is created).
    func file(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    /// Writes `contents` to `name`, creating intermediate directories.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> URL {
        try write(name, Data(contents.utf8))
    }

    @discardableResult
    func write(_ name: String, _ contents: Data) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: target)
        return target
    }

    func makeDirectory(_ name: String) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        return target
    }

    func remove() {
        if ProcessInfo.processInfo.environment["LUAFCGID_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
