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
    }

    let socketPath: String
    let prefix: URL
    let process: ChildProcess

    /// Location answered by nginx itself, to check nginx and the harness
    /// without luafcgid.
    static let pingPath = "/__harness_ping"

    /// `/unbuffered/x.lua` runs `www/x.lua` with `fastcgi_request_buffering off`
    /// and `fastcgi_buffering off`: nginx passes the request body on as it
    /// arrives and the response as the client takes it, so luafcgid meets the
    /// client's pace (by default nginx collects both whole, in temp files).
    static let unbufferedPrefix = "/unbuffered"

    static func start(
        in directory: TemporaryDirectory,
        documentRoot: URL,
        fastcgiSocket: String,
        variant: Variant = .plain
    ) async throws -> NginxServer {
        let prefix = try directory.makeDirectory("nginx")
        let socketPath = prefix.appendingPathComponent("http.sock").path
        try UnixSocket.checkLength(socketPath)
        let conf = configuration(
            prefix: prefix.path, socketPath: socketPath, documentRoot: documentRoot.path,
            fastcgiSocket: fastcgiSocket, variant: variant)
        let confURL = try directory.write("nginx/nginx.conf", conf)
        let process = try ChildProcess(
            name: "nginx", executable: URL(fileURLWithPath: try nginxPath()),
            arguments: ["-p", prefix.path + "/", "-c", confURL.path, "-e", prefix.path + "/error.log"],
            directory: directory.url)
        do {
            try await poll("nginx to accept connections on \(socketPath)") {
                if let status = process.exitStatus {
                    throw HarnessError("nginx ended (\(status)) at start:\n\(process.standardError)")
                }
                return UnixSocket.acceptsConnections(at: socketPath)
            }
        } catch {
            await process.stop()
            throw error
        }
        return NginxServer(socketPath: socketPath, prefix: prefix, process: process)
    }

    private init(socketPath: String, prefix: URL, process: ChildProcess) {
        self.socketPath = socketPath
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
    /// `unbufferedPrefix` one streams both ways.
    static func configuration(
        prefix: String, socketPath: String, documentRoot: String,
        fastcgiSocket: String, variant: Variant
    ) -> String {
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
        }
        return """
            daemon off;
            master_process off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log info;
            events { worker_connections 512; }
            http {
                access_log \(prefix)/access.log;
                client_body_temp_path \(prefix)/client_body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                client_max_body_size 128m;
                default_type text/plain;
            \(upstream)
                server {
                    listen unix:\(socketPath);
                    server_name localhost;
                    root \(documentRoot);

                    location = \(pingPath) { return 200 "ok"; }

                    location ~ ^\(unbufferedPrefix)(/.+\\.lua)$ {
                        \(pass)
                        fastcgi_request_buffering off;
                        fastcgi_buffering off;
                        fastcgi_param SCRIPT_FILENAME $document_root$1;
                        include /etc/nginx/fastcgi_params;
                    }

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
                }
            }

            """
    }
}
