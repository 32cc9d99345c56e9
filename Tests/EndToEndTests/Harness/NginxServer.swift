import Foundation

/// A private nginx in front of luafcgid: its own prefix, conf, logs and temp
/// paths under `<dir>/nginx/`, listening on the unix socket
/// `<dir>/nginx/http.sock` (no TCP port to race for), run in the foreground
/// as one process (`daemon off; master_process off;`).
///
/// One process also means no worker that switches to `nobody`: nginx keeps
/// the test's user and can open luafcgid's 0660 socket.
final class NginxServer {
    /// How nginx talks to luafcgid.
    enum Variant {
        /// The original luafcgid README's block: `fastcgi_pass unix:SOCK;`,
        /// a new connection per request.
        case plain
        /// An `upstream` with `keepalive 8` and `fastcgi_keep_conn on`:
        /// connections are reused (FCGI_KEEP_CONN), where the original stalled.
        case keepAlive
        /// The caller's own conf text in place of the harness's locations
        /// (only `pingPath` stays): `http` goes into the http block, `server`
        /// into the server block. Made from luafcgid's socket path, which is
        /// known once the stack runs. nginx then also listens on a free
        /// 127.0.0.1 port (`tcpPort`), so that `allow`/`deny` by address can
        /// be seen (unix-socket clients have the address `unix:`), and finds
        /// `fastcgi_params` in its prefix, as `include fastcgi_params;` finds
        /// it in /etc/nginx: how contrib/nginx/ is tested as shipped.
        case snippets(@Sendable (_ fastcgiSocket: String) throws -> (http: String, server: String))

        /// Whether nginx also listens on a 127.0.0.1 port.
        var listensOnTCP: Bool {
            if case .snippets = self { return true }
            return false
        }
    }

    /// What the nginx is for.
    enum Profile {
        /// Functional tests: every request in the access log, the error log
        /// from `info` up, the unix socket only.
        case test
        /// Load (the soak): also a free 127.0.0.1 port (`tcpPort`), since wrk
        /// speaks no unix sockets; no access log and the error log from `warn`
        /// up (millions of requests would write hundreds of MB of lines);
        /// request bodies up to 128 KiB kept in memory; and the `keptPrefix`
        /// location, so one nginx drives luafcgid both ways.
        case load
    }

    let socketPath: String
    /// The 127.0.0.1 port of the `.load` profile and of `.snippets`; otherwise nil.
    let tcpPort: Int?
    let prefix: URL
    let process: ChildProcess

    /// Location answered by nginx itself, to check nginx and the harness
    /// without luafcgid.
    static let pingPath = "/__harness_ping"

    /// luafcgid's own pages, each through its own exact location as SPEC §6 and
    /// docs/status.md show it (`fastcgi_pass …; include fastcgi_params;`): they
    /// answer when the test's config sets `status` / `ping` to these paths.
    static let statusPagePath = "/luafcgid-status"
    static let pingPagePath = "/luafcgid-ping"

    /// `/unbuffered/x.lua` runs `www/x.lua` with `fastcgi_request_buffering off`
    /// and `fastcgi_buffering off`: nginx passes the request body on as it
    /// arrives and the response as the client takes it, so luafcgid meets the
    /// client's pace (by default nginx collects both whole, in temp files).
    static let unbufferedPrefix = "/unbuffered"

    /// `.load` profile only: `/kept/x.lua` runs `www/x.lua` through an upstream
    /// with `keepalive 16` and `fastcgi_keep_conn on` (FastCGI connections
    /// reused), whatever the `Variant` of the plain `.lua` location.
    static let keptPrefix = "/kept"

    /// How many times a `.load` nginx is started on a fresh port when another
    /// process took the previous one between `LoopbackPort.free()` and nginx's bind.
    private static let portAttempts = 3

    static func start(
        in directory: TemporaryDirectory,
        documentRoot: URL,
        fastcgiSocket: String,
        variant: Variant = .plain,
        profile: Profile = .test
    ) async throws -> NginxServer {
        guard profile == .load || variant.listensOnTCP else {
            return try await launch(
                in: directory, documentRoot: documentRoot, fastcgiSocket: fastcgiSocket, variant: variant,
                tcpPort: nil)
        }
        var attempt = 1
        while true {
            do {
                return try await launch(
                    in: directory, documentRoot: documentRoot, fastcgiSocket: fastcgiSocket, variant: variant,
                    tcpPort: try LoopbackPort.free())
            } catch let error as HarnessError
                where attempt < portAttempts && error.description.contains("Address already in use")
            {
                attempt += 1
            }
        }
    }

    /// Writes the conf, starts nginx, and polls until its unix socket accepts
    /// (nginx binds every listener before it accepts on any, so the TCP port
    /// is bound too). A `tcpPort` makes it the `.load` profile (for `.snippets`, only the port).
    private static func launch(
        in directory: TemporaryDirectory,
        documentRoot: URL,
        fastcgiSocket: String,
        variant: Variant,
        tcpPort: Int?
    ) async throws -> NginxServer {
        let prefix = try directory.makeDirectory("nginx")
        if variant.listensOnTCP {
            try directory.write("nginx/fastcgi_params", try Data(contentsOf: URL(fileURLWithPath: "/etc/nginx/fastcgi_params")))
        }
        let socketPath = prefix.appendingPathComponent("http.sock").path
        try UnixSocket.checkLength(socketPath)
        let conf = try configuration(
            prefix: prefix.path, socketPath: socketPath, documentRoot: documentRoot.path,
            fastcgiSocket: fastcgiSocket, variant: variant, tcpPort: tcpPort)
        let confURL = try directory.write("nginx/nginx.conf", conf)
        let process = try ChildProcess(
            name: "nginx", executable: URL(fileURLWithPath: try nginxPath()),
            arguments: ["-p", prefix.path + "/", "-c", confURL.path, "-e", prefix.path + "/error.log"],
            directory: directory.url)
        let server = NginxServer(socketPath: socketPath, tcpPort: tcpPort, prefix: prefix, process: process)
        do {
            try await poll("nginx to accept connections on \(socketPath)") {
                if let status = process.exitStatus {
                    throw HarnessError("nginx ended (\(status)) at start:\n\(process.standardError)\n\(server.errorLog)")
                }
                return UnixSocket.acceptsConnections(at: socketPath)
            }
        } catch {
            await process.stop()
            throw error
        }
        return server
    }

    private init(socketPath: String, tcpPort: Int?, prefix: URL, process: ChildProcess) {
        self.socketPath = socketPath
        self.tcpPort = tcpPort
        self.prefix = prefix
        self.process = process
    }

    /// nginx's error log (FastCGI stderr from luafcgid lands here too).
    var errorLog: String {
        String(decoding: (try? Data(contentsOf: prefix.appendingPathComponent("error.log"))) ?? Data(), as: UTF8.self)
    }

    @discardableResult
    func stop() async -> ExitStatus? {
        await process.stop()
    }

    private static func nginxPath() throws -> String {
        for path in ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw HarnessError("nginx not found: run scripts/bootstrap (installs nginx-light)")
    }

    /// The whole nginx.conf. The `.lua` location is the original luafcgid
    /// README's; the `.txt` one forwards everything else too (a careless
    /// config), so that luafcgid's own `extensions` check can be seen; the
    /// `unbufferedPrefix` one streams both ways. `.snippets` replaces these
    /// with the caller's text. A `tcpPort` gives the `.load` profile (see
    /// `Profile`), unless the variant is `.snippets`.
    static func configuration(
        prefix: String, socketPath: String, documentRoot: String,
        fastcgiSocket: String, variant: Variant, tcpPort: Int?
    ) throws -> String {
        let upstream: String
        let pass: String
        switch variant {
        case .plain:
            upstream = ""
            pass = "fastcgi_pass unix:\(fastcgiSocket);"
        case .keepAlive:
            upstream = """
                upstream luafcgid {
                    server unix:\(fastcgiSocket);
                    keepalive 8;
                }
                """
            pass = "fastcgi_pass luafcgid;\n            fastcgi_keep_conn on;"
        case .snippets(let make):
            let snippets = try make(fastcgiSocket)
            return frame(
                prefix: prefix, socketPath: socketPath, documentRoot: documentRoot, tcpPort: tcpPort, load: false,
                http: snippets.http, server: snippets.server)
        }
        let load = tcpPort != nil
        let keptUpstream = """
            upstream luafcgid_kept {
                server unix:\(fastcgiSocket);
                keepalive 16;
            }
            """
        let keptLocation = """
            location ~ ^\(keptPrefix)(/.+\\.lua)$ {
                fastcgi_pass luafcgid_kept;
                fastcgi_keep_conn on;
                fastcgi_param SCRIPT_FILENAME $document_root$1;
                include /etc/nginx/fastcgi_params;
            }
            """
        let locations = """
                    location = \(statusPagePath) {
                        \(pass)
                        include /etc/nginx/fastcgi_params;
                    }

                    location = \(pingPagePath) {
                        \(pass)
                        include /etc/nginx/fastcgi_params;
                    }

                    location ~ ^\(unbufferedPrefix)(/.+\\.lua)$ {
                        \(pass)
                        fastcgi_request_buffering off;
                        fastcgi_buffering off;
                        fastcgi_param SCRIPT_FILENAME $document_root$1;
                        include /etc/nginx/fastcgi_params;
                    }

            \(load ? keptLocation : "")

                    location ~ \\.lua$ {
                        \(pass)
                        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
                        include /etc/nginx/fastcgi_params;
                    }

                    location ~ \\.txt$ {
                        \(pass)
                        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
                        include /etc/nginx/fastcgi_params;
                    }
            """
        return frame(
            prefix: prefix, socketPath: socketPath, documentRoot: documentRoot, tcpPort: tcpPort, load: load,
            http: upstream + "\n" + (load ? keptUpstream : ""), server: locations)
    }

    /// nginx.conf around the caller's `http` and `server` text: one process,
    /// temp paths and logs in the prefix, a server on the unix socket (and
    /// `tcpPort`) with `root` and the `pingPath` location. `load` quiets the logs.
    private static func frame(
        prefix: String, socketPath: String, documentRoot: String, tcpPort: Int?, load: Bool,
        http: String, server: String
    ) -> String {
        """
            daemon off;
            master_process off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log \(load ? "warn" : "info");
            events { worker_connections 512; }
            http {
                access_log \(load ? "off" : "\(prefix)/access.log");
                client_body_temp_path \(prefix)/client_body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                client_max_body_size 128m;
                \(load ? "client_body_buffer_size 128k;" : "")
                default_type text/plain;
            \(http)
                server {
                    listen unix:\(socketPath);
                    \(tcpPort.map { "listen 127.0.0.1:\($0);" } ?? "")
                    server_name localhost;
                    root \(documentRoot);

                    location = \(pingPath) { return 200 "ok"; }

            \(server)
                }
            }

            """
    }
}
