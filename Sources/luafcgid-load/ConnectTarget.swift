import NIOCore

/// Where the FastCGI server listens: `unix:/path.sock` or `tcp:host:port`
/// (`tcp:[::1]:9000` for an IPv6 literal).
///
/// Resolved to a `SocketAddress` once, before the run: with `--no-keep-conn`
/// every request opens a connection, and a name lookup per connect would cost
/// more than the request.
enum ConnectTarget: Hashable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    init(parsing text: String) throws(LoadUsageError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw LoadUsageError("--connect \(text): the socket path is empty") }
            self = .unix(path: path)
            return
        }
        guard text.hasPrefix("tcp:") else {
            throw LoadUsageError("--connect \(text): expected unix:/path.sock or tcp:host:port")
        }
        let hostPort = text.dropFirst("tcp:".count)
        guard let colon = hostPort.lastIndex(of: ":"),
            let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port)
        else {
            throw LoadUsageError("--connect \(text): expected tcp:host:port with a port from 1 to 65535")
        }
        var host = hostPort[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        }
        guard !host.isEmpty else { throw LoadUsageError("--connect \(text): the host is empty") }
        self = .tcp(host: String(host), port: port)
    }

    /// Resolves the address; a host name is looked up here, blocking, once.
    func socketAddress() throws -> SocketAddress {
        switch self {
        case .unix(let path): try SocketAddress(unixDomainSocketPath: path)
        case .tcp(let host, let port): try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
    }

    var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }
}
