import ArgumentParser
import Foundation

/// `luafcgid-bench`: the benchmark behind `make bench` (docs/PERFORMANCE.md).
///
/// Starts a private nginx and the backends in a temporary directory, checks
/// every answer, measures in interleaved rounds with wrk, then luafcgid
/// alone with luafcgid-load, then the memory and creation time of states;
/// prints the results and writes them into docs/PERFORMANCE.md.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luafcgid-bench",
        abstract: "Measure luafcgid beside null, php-fpm, ngx_lua and static nginx (run from the repository root).")

    @Option(help: "Recorded runs per target and setting.")
    var rounds = 3

    @Option(help: ArgumentHelp("Seconds per recorded run.", valueName: "seconds"))
    var duration = 5

    @Option(help: ArgumentHelp("Seconds of the unrecorded warm-up run per target; 0 for none.", valueName: "seconds"))
    var warmup = 1

    @Option(help: ArgumentHelp(
        "Comma-separated subset of: \(Target.allCases.map(\.rawValue).joined(separator: ",")).",
        valueName: "list"))
    var targets = Target.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: ArgumentHelp(
        "Comma-separated subset of: \(Workload.allCases.map(\.rawValue).joined(separator: ",")).",
        valueName: "list"))
    var workloads = Workload.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: ArgumentHelp("Comma-separated wrk connection counts.", valueName: "list"))
    var connections = "16,1"

    @Flag(help: "Do not write docs/PERFORMANCE.md.")
    var noWrite = false

    @Flag(help: "One round of 2 s: a smoke run, not a measurement.")
    var quick = false

    @Flag(help: "Keep the temporary directory (configurations, logs, wrk output).")
    var keep = false

    func validate() throws {
        _ = try resolvedSettings()
    }

    func run() throws {
        let settings = try resolvedSettings()
        let paths = try BenchPaths()
        let workspace = try Workspace()
        let trap = SignalTrap { if !settings.keepWorkspace { workspace.remove() } }
        defer { trap.keepAlive() }
        defer {
            if settings.keepWorkspace {
                progress("kept \(workspace.path)")
            } else {
                workspace.remove()
            }
        }

        let machine = MachineInfo.current(root: paths.root, workspace: workspace)
        let curl = try Curl(executable: paths.curl, workspace: workspace)
        progress("starting nginx, null, php-fpm and luafcgid in \(workspace.path)")
        let stack = try BenchStack(paths: paths, workspace: workspace, curl: curl)
        defer { stack.stop() }
        try AnswerCheck.verify(stack, curl: curl, targets: settings.targets, workloads: settings.workloads)

        let wrk = Wrk(executable: paths.wrk, workspace: workspace, root: paths.root)
        let throughNginx = try NginxBenchmark(stack: stack, wrk: wrk, settings: settings).run()

        let direct: Report.Outcome<[(mode: DirectBenchmark.Mode, summary: Summary)]>
        let states: Report.Outcome<StateMemoryProbe.Result>
        if paths.loadGeneratorAvailable {
            let loadGenerator = LoadGenerator(executable: paths.loadGenerator, workspace: workspace)
            direct = .measured(try DirectBenchmark(
                loadGenerator: loadGenerator, socket: stack.luafcgidSocket, luafcgid: stack.luafcgidPID,
                script: "\(paths.benchDirectory)/lua/hello.lua", settings: settings
            ).run())
            progress("states: \(StateMemoryProbe.scripts) scripts, cold then warm")
            states = .measured(try StateMemoryProbe(
                paths: paths, workspace: workspace, loadGenerator: loadGenerator
            ).run())
        } else {
            let reason = "\(paths.loadGenerator) not found (`swift build -c release --product luafcgid-load`)"
            progress("skipping the direct and states sections: \(reason)")
            direct = .skipped(reason)
            states = .skipped(reason)
        }

        let report = Report(
            machine: machine, settings: settings, throughNginx: throughNginx, direct: direct, states: states
        ).render()
        print("\n" + report, terminator: "")
        if settings.writeDocument {
            try PerformanceDocument.update(path: paths.performanceDocument, results: report)
            progress("wrote the results into docs/PERFORMANCE.md")
        }
    }

    /// The options checked and `--quick` applied (1 round of 2 s).
    private func resolvedSettings() throws -> BenchSettings {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        let connectionCounts = try Self.list(connections, "--connections") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        return BenchSettings(
            rounds: quick ? 1 : rounds,
            duration: quick ? 2 : duration,
            warmup: warmup,
            targets: try Self.list(targets, "--targets", Target.init(rawValue:)),
            workloads: try Self.list(workloads, "--workloads", Workload.init(rawValue:)),
            connections: connectionCounts,
            writeDocument: !noWrite,
            keepWorkspace: keep,
            flags: Array(CommandLine.arguments.dropFirst()))
    }

    /// Splits a comma-separated option, in the order given, without repeats.
    private static func list<T: Equatable>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
        var values: [T] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let value = parse(item) else { throw ValidationError("\(option): '\(item)' is not one of the choices") }
            if !values.contains(value) { values.append(value) }
        }
        guard !values.isEmpty else { throw ValidationError("\(option) must not be empty") }
        return values
    }
}
