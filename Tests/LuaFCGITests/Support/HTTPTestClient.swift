import Foundation

/// A blocking HTTP client over a loopback TCP socket, for tests that control
/// exactly when, and how much, the client reads. Reads time out after 10 s; the
/// socket is closed when the client goes away.
final class HTTPTestClient {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ClientError("connect to 127.0.0.1:\(port): \(reason)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError("send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Reads what is there, up to `buffer.count` bytes: 0 at the end of the stream.
    /// A reset connection counts as its end; a read timeout throws.
    func read(into buffer: inout [UInt8]) throws -> Int {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && errno == ECONNRESET { return 0 }
        guard count >= 0 else { throw ClientError("recv: \(String(cString: strerror(errno)))") }
        return count
    }

    /// Everything until the server closes the connection, at most `limit` bytes; nil past the limit.
    func readToEnd(limit: Int = 64 << 20) throws -> [UInt8]? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while received.count <= limit {
            let count = try read(into: &buffer)
            if count == 0 { return received }
            received += buffer[..<count]
        }
        return nil
    }
}
