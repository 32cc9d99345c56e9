import Foundation

/// What /proc says about a child process: how the tests watch luafcgid's memory
/// and descriptors from outside, as an operator would.
enum ProcFS {
    /// VmRSS of `pid` from /proc/<pid>/status, in KiB.
    static func residentKiB(of pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { throw HarnessError("no VmRSS in /proc/\(pid)/status:\n\(status)") }
        return kib
    }

    /// Descriptors `pid` has open (entries of /proc/<pid>/fd).
    static func openDescriptors(of pid: pid_t) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }
}
