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
        var html = "<!DOCTYPE html>\n<html><head><title>\(status)</title></head><body>\n<h1>\(escapeHTML(status.description))</h1>\n"
        if let path { html += "<p>\(escapeHTML(path))</p>\n" }
        if let details { html += "<pre>\(escapeHTML(details))</pre>\n" }
        html += "</body></html>\n"
        let body = ByteBuffer(string: html)
        var headers = [HTTPHeaderLine(name: "Content-Type", value: "text/html; charset=utf-8")]
        headers.append(contentsOf: configuration.extraHeaders)
        sink.send(head: ResponseHead(status: status, headers: headers, contentLength: body.readableBytes), body: body, end: end)
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
