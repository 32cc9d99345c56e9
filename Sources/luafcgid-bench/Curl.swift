/// Single requests with curl: nginx's readiness, and the check that every
/// target answers every workload correctly before anything is timed.
struct Curl {
    let executable: String
    let workspace: Workspace
    /// A file holding the POST workload's body.
    let postBody: String

    init(executable: String, workspace: Workspace) throws {
        self.executable = executable
        self.workspace = workspace
        postBody = try workspace.write(String(repeating: "x", count: Workload.postBodySize), to: "post-body")
    }

    struct Answer {
        let status: Int
        let body: String
    }

    func get(_ url: String) throws -> Answer {
        try request(url, post: false)
    }

    func request(_ url: String, post: Bool) throws -> Answer {
        let bodyFile = workspace.file("curl.body")
        var arguments = ["-sS", "--max-time", "10", "-o", bodyFile, "-w", "%{http_code}"]
        if post {
            arguments += ["-H", "Content-Type: application/octet-stream", "--data-binary", "@\(postBody)"]
        }
        let status = try ChildProcess.run(
            name: "curl", executable: executable, arguments: arguments + [url],
            directory: workspace.path, timeout: .seconds(15))
        let body = (try? String(contentsOfFile: bodyFile, encoding: .utf8)) ?? ""
        return Answer(status: Int(status) ?? 0, body: body)
    }
}
