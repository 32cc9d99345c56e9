import Foundation

/// Where and when the numbers were measured, for the report's header.
struct MachineInfo {
    let date: String
    let cores: Int
    let cpuModel: String
    let kernel: String
    /// The 1-minute load average when the run started: above zero, something
    /// else shares the cores and the numbers are noisier.
    let loadAverage: String
    /// `git describe --always --dirty` of the repository, if git can tell.
    let commit: String?

    static func current(root: String, workspace: Workspace) -> MachineInfo {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").first.map(String.init)
        let commit = try? ChildProcess.run(
            name: "git", executable: "/usr/bin/git", arguments: ["-C", root, "describe", "--always", "--dirty"],
            directory: workspace.path, timeout: .seconds(10)
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        return MachineInfo(
            date: formatter.string(from: Date()),
            cores: ProcessInfo.processInfo.activeProcessorCount,
            cpuModel: model ?? "unknown CPU",
            kernel: kernel ?? "unknown",
            loadAverage: loadAverage ?? "unknown",
            commit: commit)
    }
}
