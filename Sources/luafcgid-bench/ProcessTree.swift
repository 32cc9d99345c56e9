import Foundation

/// A process and all its descendants as /proc shows them at one moment:
/// php-fpm's master and children, nginx's master and worker.
struct ProcessTree {
    let members: [ProcessStat]

    init(root: pid_t) {
        let all = ProcessStat.all()
        var children: [pid_t: [ProcessStat]] = [:]
        for process in all { children[process.parent, default: []].append(process) }
        var members = all.filter { $0.pid == root }
        var next = 0
        while next < members.count {
            members += children[members[next].pid] ?? []
            next += 1
        }
        self.members = members
    }

    /// CPU time of the tree, in clock ticks (`ProcessStat.ticksPerSecond`).
    var cpuTicks: Int { members.reduce(0) { $0 + $1.cpuTicks } }

    /// RSS of the root process in KiB (VmRSS of /proc/<pid>/status), or nil.
    static func residentKiB(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// Stops the tree rooted at `root` by PID: SIGTERM to the root, which
    /// stops its own children (nginx, php-fpm); after `grace`, SIGKILL to
    /// every member still alive. Members are compared by start time, so a
    /// PID reused meanwhile is never signalled. Does not reap the root.
    static func terminate(root: pid_t, grace: Duration) {
        let tree = ProcessTree(root: root)
        guard !tree.members.isEmpty else { return }
        kill(root, SIGTERM)
        let ended = { tree.members.allSatisfy { !$0.isAlive } }
        if (try? poll("process \(root) to stop", timeout: grace, ended)) != nil { return }
        for member in tree.members where member.isAlive {
            kill(member.pid, SIGKILL)
        }
        try? poll("process \(root) to die", timeout: .seconds(5), ended)
    }
}
