/// The private nginx.conf: one server on 127.0.0.1, one location per target.
///
/// One worker process (the issue's setup: nginx's cost per request is then
/// one process's CPU time), no access log, and a request body buffer larger
/// than the 10 KB POST so no target reads it from a temporary file.
/// FastCGI locations get Debian's `fastcgi_params` plus `SCRIPT_FILENAME`.
struct NginxConfiguration {
    let prefix: String
    let port: Int
    let benchDirectory: String
    let nullSocket: String
    let phpFPMSocket: String
    let luafcgidSocket: String
    /// Started as root, nginx's worker would switch to the compiled-in user
    /// (`nobody` for Debian's build) and could not open luafcgid's 0660 socket.
    let runWorkerAsRoot: Bool

    /// Debian's dynamic modules; ngx_http_lua needs the NDK loaded first
    /// (the order of /etc/nginx/modules-enabled/10-mod-http-ndk.conf, 50-mod-http-lua.conf).
    static let modules = [
        "/usr/share/nginx/modules/ndk_http_module.so",
        "/usr/share/nginx/modules/ngx_http_lua_module.so",
    ]

    func render() -> String {
        let workloads = "(" + Workload.allCases.map(\.rawValue).joined(separator: "|") + ")"
        return """
            \(runWorkerAsRoot ? "user root;" : "")
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            \(Self.modules.map { "load_module \($0);" }.joined(separator: "\n"))

            events {
                worker_connections 1024;
            }

            http {
                access_log off;
                client_body_buffer_size 64k;
                client_body_temp_path \(prefix)/client_body;
                fastcgi_temp_path \(prefix)/fastcgi;
                proxy_temp_path \(prefix)/proxy;
                scgi_temp_path \(prefix)/scgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                lua_package_path "\(benchDirectory)/ngx_lua/?.lua;;";

                upstream luafcgid_keepconn {
                    server unix:\(luafcgidSocket);
                    keepalive 8;
                }

                server {
                    listen 127.0.0.1:\(port);

                    location ~ ^/static/\(workloads)$ {
                        default_type text/plain;
                        return 200 "Hello, world!\\n";
                    }
                    location ~ ^/null/\(workloads)$ {
                        include /etc/nginx/fastcgi_params;
                        fastcgi_pass unix:\(nullSocket);
                    }
                    location ~ ^/php-fpm/\(workloads)$ {
                        include /etc/nginx/fastcgi_params;
                        fastcgi_param SCRIPT_FILENAME \(benchDirectory)/php/$1.php;
                        fastcgi_pass unix:\(phpFPMSocket);
                    }
                    location ~ ^/ngx_lua/\(workloads)$ {
                        content_by_lua_block { require(ngx.var[1])() }
                    }
                    location ~ ^/luafcgid/\(workloads)$ {
                        include /etc/nginx/fastcgi_params;
                        fastcgi_param SCRIPT_FILENAME \(benchDirectory)/lua/$1.lua;
                        fastcgi_pass unix:\(luafcgidSocket);
                    }
                    location ~ ^/luafcgid-keepconn/\(workloads)$ {
                        include /etc/nginx/fastcgi_params;
                        fastcgi_param SCRIPT_FILENAME \(benchDirectory)/lua/$1.lua;
                        fastcgi_pass luafcgid_keepconn;
                        fastcgi_keep_conn on;
                    }
                }
            }

            """
    }
}
