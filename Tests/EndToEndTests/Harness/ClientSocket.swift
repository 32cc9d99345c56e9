import Foundation

/// The steps `UnixSocket.connect` and `LoopbackPort.connect` share: a blocking,
/// close-on-exec stream socket whose connect, sends and receives give up after
/// `timeout`, connected to `address` (a `sockaddr_un` or `sockaddr_in`).
enum ClientSocket {
    /// The connected descriptor, which the caller closes; on failure the socket is
    /// closed and the error names `name`.
    static func connect<Address>(
        family: Int32, to address: Address, name: String, timeout: Duration
    ) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        for option in [SO_SNDTIMEO, SO_RCVTIMEO] {
            setsockopt(fd, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        var address = address
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard result == 0 else {
            let failure = String(cString: strerror(errno))
            close(fd)
            throw HarnessError("connect to \(name): \(failure)")
        }
        return fd
    }
}
