import Foundation

/// The fields of `/proc/<pid>/stat` the benchmark reads (proc(5)).
///
/// The second field, the command name in parentheses, may itself contain
/// spaces and parentheses, so the line is split after its *last* `)`; the
/// rest is plain space-separated fields, field 3 (state) first.
struct ProcessStat: Equatable {
    let pid: pid_t
    /// Field 3: `R`, `S`, … `Z` for a zombie (ended, not reaped yet).
    let state: Character
    /// Field 4.
    let parent: pid_t
    /// Fields 14 + 15, utime + stime, in clock ticks: the whole process, all
    /// its threads. Children that ended are not included (they would only
    /// show in cutime/cstime once reaped).
    let cpuTicks: Int
    /// Field 22: tells a reused PID apart from the process seen before.
    let startTime: UInt64

    /// Clock ticks per second of `cpuTicks` (sysconf `_SC_CLK_TCK`, 100 on Linux).
    static let ticksPerSecond = Int(sysconf(Int32(_SC_CLK_TCK)))

    /// The process's current line, or nil if there is no such process.
    init?(pid: pid_t) {
        guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        self.init(line: line)
    }

    init?(line: String) {
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"),
              let pid = pid_t(line[..<open].trimmingCharacters(in: .whitespaces))
        else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 of proc(5): field n is fields[n - 3].
        guard fields.count >= 20, let state = fields[0].first, let parent = pid_t(fields[1]),
              let utime = Int(fields[11]), let stime = Int(fields[12]), let startTime = UInt64(fields[19])
        else { return nil }
        self.pid = pid
        self.state = state
        self.parent = parent
        self.cpuTicks = utime + stime
        self.startTime = startTime
    }

    /// Every process in /proc right now.
    static func all() -> [ProcessStat] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { pid_t($0) }.compactMap { ProcessStat(pid: $0) }
    }

    /// Whether this very process (same start time) still runs; a zombie has ended.
    var isAlive: Bool {
        guard let now = ProcessStat(pid: pid) else { return false }
        return now.startTime == startTime && now.state != "Z"
    }
}
