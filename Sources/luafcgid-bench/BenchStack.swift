import Foundation

/// The private nginx and the three FastCGI backends behind it (null,
/// php-fpm, luafcgid), started together, ready before the first request,
/// stopped by PID together.
final class BenchStack {
    let port: Int
    let luafcgidSocket: String
    private let nginx: ChildProcess
    private let backends: [Backend: ChildProcess]

    /// Starts the backends, waits until each socket accepts connections,
    /// then nginx, until its `static` location answers. Anything started is
    /// stopped again if a later step fails.
    init(paths: BenchPaths, workspace: Workspace, curl: Curl) throws {
        let asRoot = getuid() == 0
        var started: [ChildProcess] = []
        do {
            let nullSocket = workspace.file("null.sock")
            let null = try ChildProcess(
                name: "null", executable: paths.null, arguments: [nullSocket, "4"],
                directory: workspace.path)
            started.append(null)

            let phpDirectory = try workspace.subdirectory("php-fpm")
            let phpSocket = "\(phpDirectory)/php-fpm.sock"
            let phpConfiguration = try workspace.write(
                PHPFPMConfiguration(directory: phpDirectory, socket: phpSocket, runAsRoot: asRoot).render(),
                to: "php-fpm/php-fpm.conf")
            let php = try ChildProcess(
                name: "php-fpm", executable: paths.phpFPM,
                arguments: ["-F", "-y", phpConfiguration, "-p", phpDirectory] + (asRoot ? ["-R"] : []),
                directory: workspace.path)
            started.append(php)

            luafcgidSocket = workspace.file("luafcgid.sock")
            let luafcgid = try Self.startLuafcgid(
                name: "luafcgid", binary: paths.luafcgid,
                configuration: LuafcgidConfiguration(socket: luafcgidSocket), workspace: workspace)
            started.append(luafcgid)

            try Self.waitUntilListening(null, socket: nullSocket)
            try Self.waitUntilListening(php, socket: phpSocket)
            backends = [.null: null, .phpFPM: php, .luafcgid: luafcgid]

            port = try Sockets.freeLoopbackPort()
            let prefix = try workspace.subdirectory("nginx")
            let nginxConfiguration = try workspace.write(
                NginxConfiguration(
                    prefix: prefix, port: port, benchDirectory: paths.benchDirectory,
                    nullSocket: nullSocket, phpFPMSocket: phpSocket, luafcgidSocket: luafcgidSocket,
                    runWorkerAsRoot: asRoot
                ).render(),
                to: "nginx/nginx.conf")
            nginx = try ChildProcess(
                name: "nginx", executable: paths.nginx,
                arguments: ["-p", prefix, "-c", nginxConfiguration, "-e", "\(prefix)/error.log", "-g", "daemon off;"],
                directory: workspace.path)
            started.append(nginx)
            let probe = "http://127.0.0.1:\(port)\(Target.static.path(for: .hello))"
            try poll("nginx to answer \(probe)", timeout: .seconds(30)) {
                guard nginx.isRunning else {
                    throw BenchError("nginx exited (\(nginx.endDescription)): \(nginx.errorTail)")
                }
                return (try? curl.get(probe).status) == 200
            }
        } catch {
            for child in started.reversed() { child.stop() }
            throw error
        }
    }

    /// Starts a luafcgid on its own configuration and waits for its socket.
    static func startLuafcgid(
        name: String, binary: String, configuration: LuafcgidConfiguration, workspace: Workspace
    ) throws -> ChildProcess {
        let path = try workspace.write(configuration.render(), to: "\(name).conf.lua")
        let child = try ChildProcess(
            name: name, executable: binary, arguments: [path], directory: workspace.path)
        do {
            try waitUntilListening(child, socket: configuration.socket)
        } catch {
            child.stop()
            throw error
        }
        return child
    }

    private static func waitUntilListening(_ child: ChildProcess, socket: String) throws {
        try poll("\(child.name) to listen on \(socket)", timeout: .seconds(30)) {
            guard child.isRunning else {
                throw BenchError("\(child.name) exited (\(child.endDescription)): \(child.errorTail)")
            }
            return Sockets.acceptsConnection(unixPath: socket)
        }
    }

    func url(_ target: Target, _ workload: Workload) -> String {
        "http://127.0.0.1:\(port)\(target.path(for: workload))"
    }

    /// The PID whose process tree does `target`'s work.
    func backendPID(of target: Target) -> pid_t {
        target.backend == .nginx ? nginx.pid : backends[target.backend]!.pid
    }

    var nginxPID: pid_t { nginx.pid }

    var luafcgidPID: pid_t { backends[.luafcgid]!.pid }

    /// Fails if any process of the stack has ended (a crash under load).
    func checkAlive() throws {
        for child in [nginx] + backends.values where !child.isRunning {
            throw BenchError("\(child.name) exited (\(child.endDescription)): \(child.errorTail)")
        }
    }

    /// nginx first, so no request reaches a backend that is going away.
    func stop() {
        nginx.stop()
        for child in backends.values { child.stop() }
    }
}
