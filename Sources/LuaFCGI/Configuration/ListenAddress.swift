/// One address luafcgid listens on (SPEC §2 `listen`).
///
/// Accepted spellings: `"/path.sock"` or `"unix:/path.sock"` (unix socket),
/// `"host:port"`, `":port"` (all interfaces), `"[::1]:port"`, and
/// `"http://host:port"` for the built-in HTTP/1.1 listener (SPEC §7).
public enum ListenAddress: Hashable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)
    case http(host: String, port: Int)

    /// Parses one spelling; the error says what is wrong with it.
    public init(parsing text: String) throws(ListenAddressError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty else { throw .init(text, "a unix socket needs a path") }
            self = .unix(path: path)
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else if text.hasPrefix("http://") {
            let (host, port) = try Self.hostAndPort(String(text.dropFirst("http://".count)), original: text)
            self = .http(host: host, port: port)
        } else {
            let (host, port) = try Self.hostAndPort(text, original: text)
            self = .tcp(host: host, port: port)
        }
    }

    /// Splits `host:port`, `:port` or `[v6]:port`; an empty host means every interface.
    private static func hostAndPort(_ text: String, original: String) throws(ListenAddressError) -> (String, Int) {
        var rest = Substring(text)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":") else {
            throw .init(original, "expected host:port, :port, [v6]:port or a unix socket path")
        }
        var host = rest[..<colon]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { throw .init(original, "unclosed '[' in an IPv6 address") }
            host = host.dropFirst().dropLast()
        }
        guard let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
            throw .init(original, "the port must be a number from 0 to 65535")
        }
        return (host.isEmpty ? "0.0.0.0" : String(host), port)
    }

    /// The same address with the port a listener actually got (for `:0`); unix sockets have none.
    public func boundTo(port: Int?) -> ListenAddress {
        guard let port else { return self }
        switch self {
        case .unix: return self
        case .tcp(let host, _): return .tcp(host: host, port: port)
        case .http(let host, _): return .http(host: host, port: port)
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .http(let host, let port): return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        }
    }
}

/// A `listen` value that is not an address.
public struct ListenAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    init(_ text: String, _ reason: String) {
        self.text = text
        self.reason = reason
    }
    public var description: String { "bad address \"\(text)\": \(reason)" }
}
