/// A response status: the code and its reason phrase, as in `Status: 404 Not Found`.
public struct ResponseStatus: Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String? = nil) {
        self.code = code
        self.reason = reason ?? Self.standardReason(for: code)
    }

    /// Parses `"404 Not Found"` (the reason may be missing: then it is the standard one).
    public init?(line: String) {
        let trimmed = line.trimmingASCIISpaces()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard digits.count == 3, let code = Int(digits), (100...999).contains(code) else { return nil }
        let rest = trimmed.dropFirst(3).trimmingASCIISpaces()
        self.init(code: code, reason: rest.isEmpty ? nil : String(rest))
    }

    public var description: String { "\(code) \(reason)" }

    public static let ok = ResponseStatus(code: 200)
    public static let forbidden = ResponseStatus(code: 403)
    public static let notFound = ResponseStatus(code: 404)
    public static let payloadTooLarge = ResponseStatus(code: 413)
    public static let internalServerError = ResponseStatus(code: 500)
    public static let serviceUnavailable = ResponseStatus(code: 503)
    public static let gatewayTimeout = ResponseStatus(code: 504)

    /// The standard phrase for `code` (RFC 9110), or "Unknown".
    public static func standardReason(for code: Int) -> String {
        switch code {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 203: return "Non-Authoritative Information"
        case 204: return "No Content"
        case 205: return "Reset Content"
        case 206: return "Partial Content"
        case 300: return "Multiple Choices"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 418: return "I'm a teapot"
        case 422: return "Unprocessable Content"
        case 425: return "Too Early"
        case 426: return "Upgrade Required"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 451: return "Unavailable For Legal Reasons"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Unknown"
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> Substring {
        let text = Substring(self)
        let isContent: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = text.firstIndex(where: isContent), let last = text.lastIndex(where: isContent) else {
            return text[text.endIndex...]
        }
        return text[first...last]
    }
}
