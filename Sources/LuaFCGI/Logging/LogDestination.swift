#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where log entries go: standard error or a file opened for appending.
///
/// One entry is one `write(2)` under a lock, so entries from many threads
/// never interleave. `reopen()` is there for logrotate (SIGUSR1), `retarget`
/// for a reload that names another file (SIGHUP).
public final class LogDestination: Sendable {
    private struct Target {
        /// nil for standard error.
        var path: String?
        var descriptor: Int32
    }

    private let target: Mutex<Target>

    private init(path: String?, descriptor: Int32) {
        self.target = Mutex(Target(path: path, descriptor: descriptor))
    }

    /// Standard error.
    public static func standardError() -> LogDestination {
        LogDestination(path: nil, descriptor: STDERR_FILENO)
    }

    /// Opens (creating if needed) the file at `path` for appending.
    public static func file(_ path: String) throws(LogFileError) -> LogDestination {
        LogDestination(path: path, descriptor: try open(path))
    }

    /// The file entries go to; nil for standard error.
    public var path: String? {
        target.withLock { $0.path }
    }

    /// Closes and opens the file again, so a rotated file is let go; stderr stays as it is.
    /// On failure the old descriptor stays in use.
    public func reopen() throws(LogFileError) {
        guard let path else { return }
        try retarget(to: path)
    }

    /// Sends the following entries to the file at `path` (nil: standard error); on
    /// failure entries go on where they went.
    public func retarget(to path: String?) throws(LogFileError) {
        let fresh = try path.map { path throws(LogFileError) in try Self.open(path) } ?? STDERR_FILENO
        let previous = target.withLock { current in
            defer { current = Target(path: path, descriptor: fresh) }
            return current.descriptor
        }
        if previous != STDERR_FILENO { close(previous) }
    }

    /// Writes `text` as one entry.
    func write(_ text: String) {
        var text = text
        target.withLock { target in
            let fd = target.descriptor
            text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }

    private static func open(_ path: String) throws(LogFileError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogFileError(path: path, reason: String(cString: strerror(errno))) }
        return fd
    }
}

/// The log file cannot be opened.
public struct LogFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "cannot open the log file \(path): \(reason)" }
}
