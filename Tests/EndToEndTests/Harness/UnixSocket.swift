import Foundation

/// A probe for "is something accepting connections on this unix socket?".
enum UnixSocket {
    /// Largest usable `sun_path` length, terminating NUL excluded.
    static let maxPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Connects to `path` and closes again at once. True if a listener
    /// accepted (or queued) the connection.
    static func acceptsConnections(at path: String) -> Bool {
        guard let fd = try? connect(to: path) else { return false }
        close(fd)
        return true
    }

    /// A connected, blocking, close-on-exec socket to `path`; the caller closes it.
    /// Every send, receive and the connect itself (which waits while the
    /// listener's backlog is full) gives up after `timeout`.
    static func connect(to path: String, timeout: Duration = .seconds(10)) throws -> Int32 {
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength else {
            throw HarnessError("unix socket path too long (\(bytes.count) > \(maxPathLength)): \(path)")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return try ClientSocket.connect(family: AF_UNIX, to: address, name: path, timeout: timeout)
    }

    /// Throws if `path` is too long to be a socket address, so a test fails
    /// with a clear message instead of timing out.
    static func checkLength(_ path: String) throws {
        guard path.utf8.count <= maxPathLength else {
            throw HarnessError("unix socket path too long (\(path.utf8.count) > \(maxPathLength)): \(path)")
        }
    }
}
