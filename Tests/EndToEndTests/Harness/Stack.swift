import Foundation

/// One test's world: a temporary directory, luafcgid on a unix socket in it,
/// optionally a private nginx in front, and clients for both.
///
///     <dir>/luafcgid.conf.lua   config (listen line + the test's settings)
///     <dir>/luafcgid.sock       luafcgid's FastCGI socket
///     <dir>/luafcgid.stderr     luafcgid's log
///     <dir>/www/                document root: the test's scripts
///     <dir>/nginx/              nginx prefix: nginx.conf, http.sock, logs, temp paths
///
/// Use it through `withStack`, which stops every process and removes the
/// directory however the test body ends.
final class Stack {
    let directory: TemporaryDirectory
    let www: URL
    private(set) var luafcgid: LuafcgidServer!
    private(set) var nginx: NginxServer?

    fileprivate init(directory: TemporaryDirectory) throws {
        self.directory = directory
        www = try directory.makeDirectory("www")
    }

    /// curl to nginx. Only for stacks started with nginx.
    var curl: Curl {
        guard let nginx else { fatalError("this Stack was started without nginx") }
        return Curl(socketPath: nginx.socketPath, directory: directory)
    }

    /// Writes a script into the document root; returns its absolute path.
    @discardableResult
    func writeScript(_ name: String, _ source: String) throws -> String {
        try directory.write("www/\(name)", source).path
    }

    /// Copies `examples/<name>` into the document root.
    func copyExample(_ name: String) throws {
        let source = LuafcgidBinary.examplesDirectory.appendingPathComponent(name)
        try directory.write("www/\(name)", try Data(contentsOf: source))
    }

    func get(_ path: String) async throws -> HTTPResponse {
        try await curl.request(path)
    }

    func post(_ path: String, _ body: String, contentType: String = "application/x-www-form-urlencoded")
        async throws -> HTTPResponse
    {
        try await curl.request(path, body: Data(body.utf8), contentType: contentType)
    }

    /// A request through `cgi-fcgi` straight to luafcgid's socket. `params`
    /// come on top of a minimal set (PATH, REQUEST_METHOD=GET, SERVER_PROTOCOL).
    func cgiFCGI(_ params: [String: String], body: Data? = nil) async throws -> CGIFCGI.Result {
        var all = ["PATH": "/usr/bin:/bin", "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1"]
        all.merge(params) { $1 }
        return try await CGIFCGI.request(
            socketPath: luafcgid.socketPath, params: all, body: body, directory: directory)
    }

    /// Both logs, for failure messages.
    var diagnostics: String {
        "--- luafcgid log ---\n\(luafcgid?.log ?? "")\n--- nginx error log ---\n\(nginx?.errorLog ?? "")"
    }

    fileprivate func start(
        config: String, descriptorLimit: Int?, user: UInt32?, nginx variant: NginxServer.Variant?,
        profile: NginxServer.Profile
    ) async throws {
        luafcgid = try await LuafcgidServer.start(in: directory, config: config, descriptorLimit: descriptorLimit, user: user)
        if let variant {
            nginx = try await NginxServer.start(
                in: directory, documentRoot: www, fastcgiSocket: luafcgid.socketPath, variant: variant,
                profile: profile)
        }
    }

    fileprivate func stop() async {
        await nginx?.stop()
        await luafcgid?.stop()
    }
}

/// Runs `body` with a started `Stack`: scripts written into www/ first,
/// then luafcgid with `config` (and `descriptorLimit` and `user`, see
/// `LuafcgidServer.start`), then (unless `nginx` is nil) nginx with
/// `nginxProfile` (`.load` for wrk: a TCP port, quiet logs). Every
/// process is stopped and the directory removed afterwards, also when the
/// body or the start-up throws.
func withStack(
    config: String = "",
    scripts: [String: String] = [:],
    examples: [String] = [],
    descriptorLimit: Int? = nil,
    user: UInt32? = nil,
    nginx: NginxServer.Variant? = .plain,
    nginxProfile: NginxServer.Profile = .test,
    _ body: (Stack) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let stack = try Stack(directory: directory)
    do {
        for (name, source) in scripts { try stack.writeScript(name, source) }
        for name in examples { try stack.copyExample(name) }
        try await stack.start(
            config: config, descriptorLimit: descriptorLimit, user: user, nginx: nginx, profile: nginxProfile)
        try await body(stack)
    } catch {
        await stack.stop()
        throw error
    }
    await stack.stop()
}
