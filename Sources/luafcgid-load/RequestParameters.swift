/// The CGI parameters of one request, the set nginx's `fastcgi_params` sends
/// (FastCGI 1.0 §6.2, RFC 3875 §4.1).
///
/// The script's directory plays the document root and its file name the request
/// path, as for `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name`.
/// A server builds its environment from all of them, so leaving some out would
/// flatter it.
enum RequestParameters {
    static func parameters(script: String, postBytes: Int) -> [(name: String, value: String)] {
        let slash = script.lastIndex(of: "/") ?? script.startIndex
        let root = String(script[..<slash])
        let uri = String(script[slash...])
        let isPost = postBytes > 0
        return [
            ("SCRIPT_FILENAME", script),
            ("SCRIPT_NAME", uri),
            ("REQUEST_METHOD", isPost ? "POST" : "GET"),
            ("QUERY_STRING", ""),
            ("REQUEST_URI", uri),
            ("DOCUMENT_URI", uri),
            ("DOCUMENT_ROOT", root),
            ("SERVER_PROTOCOL", "HTTP/1.1"),
            ("GATEWAY_INTERFACE", "CGI/1.1"),
            ("SERVER_SOFTWARE", "luafcgid-load"),
            ("REMOTE_ADDR", "127.0.0.1"),
            ("REMOTE_PORT", "50000"),
            ("SERVER_ADDR", "127.0.0.1"),
            ("SERVER_PORT", "80"),
            ("SERVER_NAME", "localhost"),
            ("CONTENT_TYPE", isPost ? "application/octet-stream" : ""),
            ("CONTENT_LENGTH", isPost ? String(postBytes) : ""),
            ("HTTP_HOST", "localhost"),
            ("HTTP_USER_AGENT", "luafcgid-load"),
            ("HTTP_ACCEPT", "*/*"),
        ]
    }
}
