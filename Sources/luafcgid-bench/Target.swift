/// One way of serving the workloads, measured through the same private nginx
/// at `/<target>/<workload>`.
enum Target: String, CaseIterable {
    /// `return 200 "Hello, world!\n"` in nginx: the bound of the setup.
    case `static`
    /// bench/null.c, a libfcgi responder that runs nothing: the FastCGI ceiling.
    case null
    /// PHP behind php-fpm (`pm = static`, 2 children), the usual alternative.
    case phpFPM = "php-fpm"
    /// Lua inside nginx (ngx_lua), no FastCGI hop: for reference.
    case ngxLua = "ngx_lua"
    /// luafcgid, a new FastCGI connection per request (nginx's default).
    case luafcgid
    /// luafcgid with `fastcgi_keep_conn on` and an upstream `keepalive 8`.
    case luafcgidKeepConn = "luafcgid-keepconn"

    /// Which process tree does the work behind nginx; its CPU time is the
    /// "backend" column. For `static` and `ngx_lua` that is nginx itself.
    var backend: Backend {
        switch self {
        case .static, .ngxLua: .nginx
        case .null: .null
        case .phpFPM: .phpFPM
        case .luafcgid, .luafcgidKeepConn: .luafcgid
        }
    }

    func path(for workload: Workload) -> String {
        "/\(rawValue)/\(workload.rawValue)"
    }
}

/// A process tree the benchmark starts and measures.
enum Backend: CaseIterable {
    case nginx, null, phpFPM, luafcgid
}
