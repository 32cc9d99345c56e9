import Foundation
import Testing

/// The built-in HTTP/1.1 listener of the real binary (SPEC §7), next to its FastCGI socket.
@Suite("Built-in HTTP listener")
struct HTTPListenerTests {
    private static let envScript = """
        function main(env, con)
          con:header("Content-Type", "text/plain")
          for _, name in ipairs({"SCRIPT_NAME", "SCRIPT_FILENAME", "DOCUMENT_ROOT", "QUERY_STRING",
                                 "REQUEST_METHOD", "REQUEST_URI", "CONTENT_LENGTH", "HTTP_USER_AGENT"}) do
            con:puts(name, "=", env[name] or "(nil)", "\\n")
          end
          con:puts("body=", con:gets() or "", "\\n")
        end
        """

    @Test("serves scripts with the env nginx would give, GET and POST; the config's directory is the root")
    func servesScripts() async throws {
        // The config runs after the harness's `listen = "unix:…"` line: add the HTTP listener to it,
        // on a port the system picks (a port picked free beforehand can be taken meanwhile).
        let config = "listen = { listen, \"http://127.0.0.1:0\" }"
        try await withStack(config: config, scripts: ["app/env.lua": Self.envScript, "notes.txt": "secret notes"], nginx: nil) { stack in
            let port = try await Self.boundPort(stack.luafcgid)
            let curl = Curl(port: port, directory: stack.directory)
            let root = stack.directory.url.path

            let get = try await curl.request("/www/app/env.lua?x=1&y=two")
            #expect(get.status == 200)
            #expect(get.body.contains("SCRIPT_NAME=/www/app/env.lua\n"), "\(get.body)")
            #expect(get.body.contains("SCRIPT_FILENAME=\(root)/www/app/env.lua\n"), "\(get.body)")
            #expect(get.body.contains("DOCUMENT_ROOT=\(root)\n"), "\(get.body)")
            #expect(get.body.contains("QUERY_STRING=x=1&y=two\n"), "\(get.body)")
            #expect(get.body.contains("REQUEST_METHOD=GET\n"), "\(get.body)")
            #expect(get.body.contains("REQUEST_URI=/www/app/env.lua?x=1&y=two\n"), "\(get.body)")
            #expect(get.body.contains("HTTP_USER_AGENT=curl/"), "\(get.body)")

            let post = try await curl.request(
                "/www/app/env.lua", body: Data("a=1&b=2".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(post.body.contains("REQUEST_METHOD=POST\n"), "\(post.body)")
            #expect(post.body.contains("CONTENT_LENGTH=7\n"), "\(post.body)")
            #expect(post.body.contains("body=a=1&b=2\n"), "\(post.body)")

            #expect(try await curl.request("/www/app/missing.lua").status == 404)
            // Never a file that is not a script.
            let text = try await curl.request("/www/notes.txt")
            #expect(text.status == 403)
            #expect(!text.body.contains("secret"))
        }
    }

    /// The HTTP listener's port, from luafcgid's "listening on http://127.0.0.1:PORT" log line.
    private static func boundPort(_ luafcgid: LuafcgidServer) async throws -> Int {
        let prefix = "listening on http://127.0.0.1:"
        try await luafcgid.waitForLog(containing: prefix)
        guard let line = luafcgid.log.split(separator: "\n").first(where: { $0.contains(prefix) }),
            let port = Int(line[line.range(of: prefix)!.upperBound...])
        else { throw HarnessError("no port in luafcgid's log:\n\(luafcgid.log)") }
        return port
    }
}
