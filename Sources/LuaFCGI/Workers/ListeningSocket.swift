import CLinux
import Glibc

/// A bound, listening, non-blocking socket for FastCGI (unix or TCP), made
/// without an event loop: the workers accept on it themselves.
enum ListeningSocket {
    /// Why binding failed, in the words of the failing call.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Binds and listens on the unix socket `path`; the caller has cleared the path.
    static func unix(path: String, backlog: Int) throws(Failure) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw Failure(description: "the path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let fd = try makeSocket(family: AF_UNIX)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return try listen(fd, bound: bound, backlog: backlog)
    }

    /// Binds and listens on `host:port` (a name, an IPv4 or an IPv6 address; port 0 picks a free one).
    static func tcp(host: String, port: Int, backlog: Int) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &found)
        guard lookup == 0, let first = found else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(lookup)))")
        }
        defer { freeaddrinfo(found) }
        let fd = try makeSocket(family: first.pointee.ai_family)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let bound = Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen)
        return try listen(fd, bound: bound, backlog: backlog)
    }

    /// The port a TCP socket is bound to (to report the one the system chose for port 0).
    static func port(of fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> Int? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                return nil
            }
        }
    }

    private static func makeSocket(family: Int32) throws(Failure) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(lastError())") }
        return fd
    }

    private static func listen(_ fd: Int32, bound: Int32, backlog: Int) throws(Failure) -> Int32 {
        guard bound == 0 else {
            let reason = "bind: \(lastError())"
            close(fd)
            throw Failure(description: reason)
        }
        guard Glibc.listen(fd, Int32(clamping: backlog)) == 0 else {
            let reason = "listen: \(lastError())"
            close(fd)
            throw Failure(description: reason)
        }
        return fd
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
