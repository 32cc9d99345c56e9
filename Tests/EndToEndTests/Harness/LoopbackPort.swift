import Foundation

/// A TCP port for a listener on 127.0.0.1, for clients that speak no unix
/// sockets (wrk).
enum LoopbackPort {
    /// A port that is free right now: a socket bound to 127.0.0.1:0, the
    /// port the kernel gave it read back, the socket closed. Whoever binds it
    /// next may lose a race with another process; `NginxServer` then retries
    /// with a new one (nginx says "Address already in use").
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw HarnessError("no free port on 127.0.0.1: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A connected, blocking, close-on-exec socket to 127.0.0.1:`port`; the
    /// caller closes it. The connect, every send and every receive give up
    /// after `timeout`.
    static func connect(to port: Int, timeout: Duration = .seconds(10)) throws -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return try ClientSocket.connect(family: AF_INET, to: address, name: "127.0.0.1:\(port)", timeout: timeout)
    }
}
