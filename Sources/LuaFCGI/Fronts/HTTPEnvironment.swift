/// The CGI parameters the HTTP front gives a request (SPEC §7): what nginx's
/// `fastcgi_params` plus `fastcgi_param SCRIPT_FILENAME
/// $document_root$fastcgi_script_name` would send, so a script behaves the same
/// behind nginx and behind the built-in listener.
///
/// Pure: the front reads the request head and the connection's addresses and
/// hands them here as plain values, which keeps this testable without NIOHTTP1.
enum HTTPEnvironment {
    /// What the server software calls itself (`SERVER_SOFTWARE`).
    static let serverSoftware = "luafcgid/2.0"

    /// The parameters of one request, in nginx's order: the fixed CGI ones, then `HTTP_*` per header.
    ///
    /// - Parameters:
    ///   - method: the request method, as sent.
    ///   - target: the request target, already checked (`HTTPRequestTarget(parsing:)`).
    ///   - version: `"HTTP/1.1"`, as `SERVER_PROTOCOL` gives it.
    ///   - headers: the request headers in arrival order.
    ///   - bodyLength: bytes of body received; `CONTENT_LENGTH` says it when the request
    ///     announced a body (Content-Length or Transfer-Encoding), else it is "" as nginx sends.
    ///   - addresses: both ends of the connection.
    ///   - documentRoot: the root scripts are found under, without a trailing slash (but "/").
    ///   - https: whether the connection is TLS (`HTTPS=on`); never, for now.
    static func parameters(
        method: String, target: HTTPRequestTarget, version: String, headers: [(name: String, value: String)],
        bodyLength: Int, addresses: HTTPConnectionAddresses, documentRoot: String, https: Bool = false
    ) -> RequestParameters {
        var contentType = ""
        var hasContentLength = false
        var hasTransferEncoding = false
        var host: String?
        for (name, value) in headers {
            switch name.lowercased() {
            case "content-type" where contentType.isEmpty: contentType = value
            case "content-length": hasContentLength = true
            case "transfer-encoding": hasTransferEncoding = true
            case "host" where host == nil: host = value
            default: break
            }
        }

        var parameters = RequestParameters()
        let root = documentRoot == "/" ? "" : documentRoot
        parameters.append(name: "SCRIPT_FILENAME", value: root + target.path)
        parameters.append(name: "QUERY_STRING", value: target.query)
        parameters.append(name: "REQUEST_METHOD", value: method)
        parameters.append(name: "CONTENT_TYPE", value: contentType)
        parameters.append(name: "CONTENT_LENGTH", value: hasContentLength || hasTransferEncoding ? String(bodyLength) : "")
        parameters.append(name: "SCRIPT_NAME", value: target.path)
        parameters.append(name: "REQUEST_URI", value: target.uri)
        parameters.append(name: "DOCUMENT_URI", value: target.path)
        parameters.append(name: "DOCUMENT_ROOT", value: documentRoot)
        parameters.append(name: "SERVER_PROTOCOL", value: version)
        parameters.append(name: "REQUEST_SCHEME", value: https ? "https" : "http")
        if https { parameters.append(name: "HTTPS", value: "on") }
        parameters.append(name: "GATEWAY_INTERFACE", value: "CGI/1.1")
        parameters.append(name: "SERVER_SOFTWARE", value: serverSoftware)
        parameters.append(name: "REMOTE_ADDR", value: addresses.remoteAddress)
        parameters.append(name: "REMOTE_PORT", value: addresses.remotePort)
        parameters.append(name: "SERVER_ADDR", value: addresses.serverAddress)
        parameters.append(name: "SERVER_PORT", value: addresses.serverPort)
        parameters.append(name: "SERVER_NAME", value: host.flatMap(Self.hostName(_:)) ?? addresses.serverAddress)
        parameters.append(name: "REDIRECT_STATUS", value: "200")
        for (name, value) in headerParameters(headers) {
            parameters.append(name: name, value: value)
        }
        return parameters
    }

    /// `HTTP_*` parameters: the name upper-cased with `-` → `_`, repeated headers joined
    /// in arrival order (`, `, or `; ` for Cookie, as nginx ≥ 1.23 joins them).
    ///
    /// Left out: Content-Type and Content-Length (they are `CONTENT_*`), Transfer-Encoding
    /// (the body arrives whole, de-chunked, with its `CONTENT_LENGTH`), Proxy (httpoxy:
    /// `HTTP_PROXY` would pass for the proxy setting of a script's HTTP client), and,
    /// like nginx's `ignore_invalid_headers`, names with anything but letters, digits and
    /// `-` — an `X_Forwarded_For` must not pass for `X-Forwarded-For`.
    static func headerParameters(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var joined: [(name: String, value: String)] = []
        var indexByName: [String: Int] = [:]
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isHeaderNameByte) else { continue }
            switch name.lowercased() {
            case "content-type", "content-length", "transfer-encoding", "proxy": continue
            default: break
            }
            let parameter = "HTTP_" + String(decoding: name.utf8.map(parameterByte), as: UTF8.self)
            if let index = indexByName[parameter] {
                joined[index].value += (parameter == "HTTP_COOKIE" ? "; " : ", ") + value
            } else {
                indexByName[parameter] = joined.count
                joined.append((parameter, value))
            }
        }
        return joined
    }

    /// The host of a `Host` header without its port, lower-cased (`[::1]:8080` → `[::1]`); nil when empty.
    static func hostName(_ header: String) -> String? {
        let host: Substring
        if header.hasPrefix("["), let close = header.firstIndex(of: "]") {
            host = header[...close]
        } else {
            host = header.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }
        let name = host.trimmingASCIISpaces()
        return name.isEmpty ? nil : name.lowercased()
    }

    private static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func parameterByte(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "-"): return UInt8(ascii: "_")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - 32
        default: return byte
        }
    }
}

/// Both ends of a connection, as the CGI variables spell them.
struct HTTPConnectionAddresses: Hashable, Sendable {
    /// `REMOTE_ADDR`, `REMOTE_PORT`: the client.
    var remoteAddress: String
    var remotePort: String
    /// `SERVER_ADDR`, `SERVER_PORT`: the address the client reached.
    var serverAddress: String
    var serverPort: String
}

/// A request target (`/app/hello.lua?x=1`) split into the script path and the query.
///
/// The path is percent-decoded and normalized as nginx does for `$uri` (`//` and
/// `/./` collapse); it is refused when it does not start with `/`, has a bad `%`
/// escape, decodes to a NUL or to bytes that are not UTF-8, or has a `..` segment
/// (SPEC §7: never a path with `..` segments, whether spelled `..` or `%2e%2e`).
struct HTTPRequestTarget: Hashable, Sendable {
    /// The decoded, normalized path: `SCRIPT_NAME` and `DOCUMENT_URI`.
    var path: String
    /// The raw query after `?` ("" without one): `QUERY_STRING`.
    var query: String
    /// The raw target, query included: `REQUEST_URI`.
    var uri: String

    init(parsing target: String) throws(HTTPRequestTargetError) {
        var uri = Substring(target)
        // absolute-form (RFC 9112 §3.2.2): keep the path and query, as nginx's $request_uri does.
        for scheme in ["http://", "https://"] where uri.lowercased().hasPrefix(scheme) {
            let authority = uri.dropFirst(scheme.count)
            uri = authority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { authority[$0...] } ?? "/"
            if uri.hasPrefix("?") { uri = "/" + uri }
        }
        let rawPath: Substring
        if let question = uri.firstIndex(of: "?") {
            rawPath = uri[..<question]
            query = String(uri[uri.index(after: question)...])
        } else {
            rawPath = uri
            query = ""
        }
        self.uri = String(uri)
        guard rawPath.hasPrefix("/") else { throw .init(target: target, reason: "the path does not start with '/'") }
        let decoded = try Self.percentDecode(rawPath, target: target)
        guard !decoded.contains(0) else { throw .init(target: target, reason: "the path holds a NUL") }
        guard let text = String(validating: decoded, as: UTF8.self) else {
            throw .init(target: target, reason: "the path is not UTF-8")
        }
        path = try Self.normalize(text, target: target)
    }

    private static func percentDecode(_ raw: Substring, target: String) throws(HTTPRequestTargetError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.utf8.count)
        var iterator = raw.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .init(target: target, reason: "a bad %-escape in the path")
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Collapses empty and `.` segments; refuses `..`. A trailing slash stays.
    private static func normalize(_ path: String, target: String) throws(HTTPRequestTargetError) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": throw .init(target: target, reason: "the path has a '..' segment")
            default: segments.append(segment)
            }
        }
        let endsInDirectory = path.hasSuffix("/") || path.hasSuffix("/.")
        var normalized = "/" + segments.joined(separator: "/")
        if endsInDirectory && !segments.isEmpty { normalized += "/" }
        return normalized
    }
}

/// A request target the HTTP front refuses with 400.
struct HTTPRequestTargetError: Error, Hashable, Sendable, CustomStringConvertible {
    var target: String
    var reason: String
    var description: String { "HTTP: bad request target \"\(target)\": \(reason)" }
}
