import NIOCore

/// The small HTML pages luafcgid answers with when no script answers (404, 403,
/// 413, 500, 503). They show the request path at most, escaped; details of a
/// script error only with `showerrors`.
enum ErrorPage {
    /// Sends a complete error response through `sink`.
    static func send(
        _ status: ResponseStatus, path: String?, details: String? = nil, end: ResponseEnd = .complete,
        configuration: Configuration, sink: any ResponseSink
    ) {
        let (head, body) = make(status, path: path, details: details, extraHeaders: configuration.extraHeaders)
        sink.send(head: head, body: body, end: end)
    }

    /// The head and body of the page for `status`, carrying the configured extra headers.
    static func make(
        _ status: ResponseStatus, path: String?, details: String? = nil, extraHeaders: [HTTPHeaderLine]
    ) -> (ResponseHead, ByteBuffer) {
        var html = "<!DOCTYPE html>\n<html><head><title>\(status)</title></head><body>\n<h1>\(escapeHTML(status.description))</h1>\n"
        if let path { html += "<p>\(escapeHTML(path))</p>\n" }
        if let details { html += "<pre>\(escapeHTML(details))</pre>\n" }
        html += "</body></html>\n"
        let body = ByteBuffer(string: html)
        let headers = [HTTPHeaderLine(name: "Content-Type", value: "text/html; charset=utf-8")] + extraHeaders
        return (ResponseHead(status: status, headers: headers, contentLength: body.readableBytes), body)
    }

    /// `& < > " '` as HTML entities.
    static func escapeHTML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
