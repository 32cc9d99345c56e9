/// What each request asks for; every target implements all three with the
/// same answer (bench/lua, bench/php, bench/ngx_lua, bench/null.c).
enum Workload: String, CaseIterable {
    /// A 14-byte body, "Hello, world!\n".
    case hello
    /// A counter plus a 50-row table rendered to about 2.6 KB of HTML.
    case page
    /// A 10 KB POST body read whole, answered with its length.
    case post

    /// The size of the POST body; bench/wrk/post.lua sends the same.
    static let postBodySize = 10240

    static let helloBody = "Hello, world!\n"

    /// The wrk script (relative to the repository) that shapes the request.
    var wrkScript: String? {
        self == .post ? "bench/wrk/post.lua" : nil
    }

    /// Whether `body` is this workload's answer. `static` answers every
    /// workload with the hello body: it is the bound of nginx alone.
    func isAnswer(_ body: String, from target: Target) -> Bool {
        if target == .static { return body == Self.helloBody }
        switch self {
        case .hello:
            return body == Self.helloBody
        case .page:
            return body.hasPrefix("<!DOCTYPE html>\n") && body.hasSuffix("</table>\n</body></html>\n")
                && body.components(separatedBy: "<tr><td>").count == 51
        case .post:
            return body == "\(Self.postBodySize)\n"
        }
    }
}
