/// One wrk run: one thread (`-t1`), `--latency` for the percentiles.
struct Wrk {
    let executable: String
    let workspace: Workspace
    /// The repository root, where `Workload.wrkScript` paths start.
    let root: String

    func run(url: String, workload: Workload, connections: Int, seconds: Int, name: String) throws -> LoadResult {
        var arguments = ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency"]
        if let script = workload.wrkScript { arguments += ["-s", "\(root)/\(script)"] }
        let output = try ChildProcess.run(
            name: name, executable: executable, arguments: arguments + [url],
            directory: workspace.path, timeout: .seconds(seconds + 30))
        return try WrkOutput.parse(output)
    }
}
