import ArgumentParser
import Foundation

/// `luafcgid-load --connect ADDR --script PATH… [options]`: a FastCGI load
/// generator that measures a server's own ceiling, without a web server in front.
///
/// The options are a contract: the benchmark runner calls this command with them
/// and reads the one line `--json` prints. The command only wires: the rules
/// about which options go together are in ``makePlan()``, the run in ``LoadRunner``.
@main
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luafcgid-load",
        abstract: "Send FastCGI requests straight to a server and report throughput and latency.",
        discussion: """
            Requests go round-robin over the scripts. A request is an error when its connection \
            fails, the server breaks FastCGI, END_REQUEST is not REQUEST_COMPLETE with appStatus 0, \
            or no END_REQUEST comes within \(LoadPlan.requestTimeoutSeconds) s; non-2xx counts \
            answers whose Status header is outside 200-299.
            """
    )

    /// The largest `--post-bytes`, and the most memory the pre-encoded bodies (one per request ID) may take.
    static let maximumPostBytes = 64 << 20
    static let maximumBodyMemory = 1 << 30

    @Option(help: ArgumentHelp("The server: unix:/path.sock or tcp:host:port.", valueName: "ADDR"))
    var connect: String

    @Option(name: .customLong("script"), help: ArgumentHelp("A SCRIPT_FILENAME to request. Repeatable.", valueName: "PATH"))
    var scripts: [String] = []

    @Option(help: ArgumentHelp("A file of SCRIPT_FILENAMEs, one per line ('#' comments).", valueName: "FILE"))
    var scriptList: String?

    @Option(help: "Connections open at once.")
    var connections = 16

    @Option(help: "Requests in flight per connection; more than 1 multiplexes them and needs --keep-conn.")
    var depth = 1

    @Flag(inversion: .prefixedNo, help: "Set FCGI_KEEP_CONN; without it every request has a connection of its own.")
    var keepConn = true

    @Option(help: "Seconds to record, after the warm-up. (default: 5)")
    var duration: Double?

    @Option(help: "Seconds to run unrecorded first. (default: 1)")
    var warmup: Double?

    @Option(help: "Send exactly this many requests, all recorded, instead of running for a duration.")
    var requests: Int?

    @Option(help: "POST a body of this many bytes; 0 sends a GET without a body.")
    var postBytes = 0

    @Flag(help: "Print one line of JSON: requests, seconds, rps, p50_us, p99_us, errors, non2xx.")
    var json = false

    mutating func validate() throws {
        do {
            _ = try self.makePlan()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let plan = try self.makePlan()
        let report = try LoadRunner.run(plan)
        if self.json {
            print(report.jsonLine)
            if let firstError = report.firstError {
                FileHandle.standardError.write(Data("luafcgid-load: first error: \(firstError)\n".utf8))
            }
        } else {
            print("luafcgid-load: \(plan)")
            print(report.summary)
        }
    }

    /// Checks the options against each other and reads the script list.
    func makePlan() throws(LoadUsageError) -> LoadPlan {
        let target = try ConnectTarget(parsing: self.connect)
        var scripts = self.scripts
        if let scriptList = self.scriptList {
            scripts += try Self.readScriptList(scriptList)
        }
        guard !scripts.isEmpty else {
            throw LoadUsageError("give at least one --script, or a --script-list with at least one path")
        }
        guard (1...10_000).contains(self.connections) else {
            throw LoadUsageError("--connections \(self.connections): must be from 1 to 10000")
        }
        guard (1...1024).contains(self.depth) else {
            throw LoadUsageError("--depth \(self.depth): must be from 1 to 1024")
        }
        guard self.depth == 1 || self.keepConn else {
            throw LoadUsageError("--depth \(self.depth) multiplexes requests on one connection, which needs --keep-conn")
        }
        guard (0...Self.maximumPostBytes).contains(self.postBytes) else {
            throw LoadUsageError("--post-bytes \(self.postBytes): must be from 0 to \(Self.maximumPostBytes)")
        }
        guard self.depth * self.postBytes <= Self.maximumBodyMemory else {
            throw LoadUsageError("--depth × --post-bytes must be at most 1 GiB: every request ID has its body encoded")
        }
        return LoadPlan(
            target: target,
            scripts: scripts.map(Self.absolutePath),
            connections: self.connections,
            depth: self.depth,
            keepConnection: self.keepConn,
            stop: try self.makeStop(),
            postBytes: self.postBytes
        )
    }

    private func makeStop() throws(LoadUsageError) -> LoadPlan.Stop {
        if let requests = self.requests {
            guard self.duration == nil, self.warmup == nil else {
                throw LoadUsageError("--requests runs a fixed count without warm-up; drop --duration and --warmup")
            }
            guard requests >= 1 else {
                throw LoadUsageError("--requests \(requests): must be at least 1")
            }
            return .count(requests)
        }
        let duration = self.duration ?? 5
        let warmup = self.warmup ?? 1
        guard duration > 0, duration <= 86_400 else {
            throw LoadUsageError("--duration \(duration): must be more than 0 and at most 86400 seconds")
        }
        guard warmup >= 0, warmup <= 86_400 else {
            throw LoadUsageError("--warmup \(warmup): must be from 0 to 86400 seconds")
        }
        return .duration(seconds: duration, warmup: warmup)
    }

    /// Non-empty lines, trimmed, except those starting with `#`.
    private static func readScriptList(_ path: String) throws(LoadUsageError) -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadUsageError("--script-list \(path): cannot read it (\(error.localizedDescription))")
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// SCRIPT_FILENAME must be absolute; a relative path is taken from the current directory.
    private static func absolutePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
