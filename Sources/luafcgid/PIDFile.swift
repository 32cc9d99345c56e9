import Foundation

/// The `pidfile` setting: this process's ID, written once the listeners are bound,
/// so logrotate's `postrotate` and other tools can signal the server without systemd.
enum PIDFile {
    /// Writes the ID (and a newline) through a temporary file renamed into place,
    /// so a reader never sees a half-written file.
    static func write(_ path: String) throws {
        let temporary = path + ".\(getpid()).tmp"
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PIDFileError(path: path, reason: reason)
        }
    }

    /// Removes the file if it still holds this process's ID: another server may have taken the path since.
    static func remove(_ path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              text.trimmingCharacters(in: .whitespacesAndNewlines) == String(getpid())
        else { return }
        unlink(path)
    }
}

/// The pid file cannot be written.
struct PIDFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot write the pid file \(path): \(reason)" }
}
