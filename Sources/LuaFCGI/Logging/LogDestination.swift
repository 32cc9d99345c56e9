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
/// never interleave. `reopen()` is there for logrotate (SIGUSR1).
public final class LogDestination: Sendable {
    private let path: String?
    private let descriptor: Mutex<Int32>

    /// Standard error.
    public static let standardError = LogDestination(path: nil, descriptor: STDERR_FILENO)

    private init(path: String?, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Opens (creating if needed) the file at `path` for appending.
    public static func file(_ path: String) throws(LogFileError) -> LogDestination {
        LogDestination(path: path, descriptor: try open(path))
    }

    /// Closes and opens the file again, so a rotated file is let go; stderr stays as it is.
    public func reopen() throws(LogFileError) {
        guard let path else { return }
        let fresh = try Self.open(path)
        descriptor.withLock { current in
            close(current)
            current = fresh
        }
    }

    /// Writes `text` as one entry.
    func write(_ text: String) {
        var text = text
        descriptor.withLock { fd in
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
