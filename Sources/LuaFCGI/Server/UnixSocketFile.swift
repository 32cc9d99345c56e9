#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file of a unix listening socket: stale ones are replaced, live ones are not (SPEC §6).
enum UnixSocketFile {
    /// What is at the path before binding.
    enum Existing: Equatable {
        case nothing
        /// A socket nobody accepts on: left by a process that died.
        case stale
        /// A socket a live server accepts on.
        case live
        /// Something that is not a socket; never removed.
        case notASocket
    }

    static func inspect(_ path: String) -> Existing {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .nothing }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { return .notASocket }
        return acceptsConnections(path) ? .live : .stale
    }

    /// Removes the file at `path` (after a stale socket was found, or at shutdown).
    static func remove(_ path: String) {
        unlink(path)
    }

    /// Sets the permission bits (`socketmode`); returns the error text on failure.
    static func setMode(_ path: String, _ mode: UInt16) -> String? {
        chmod(path, mode_t(mode)) == 0 ? nil : String(cString: strerror(errno))
    }

    private static func acceptsConnections(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
