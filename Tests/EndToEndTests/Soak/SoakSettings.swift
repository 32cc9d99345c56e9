import Foundation

/// What the soak runs, from the environment. `make test` sets nothing (30 s,
/// every workload); `make soak` sets `LUAFCGID_SOAK_SECONDS` (300 unless
/// `SOAK_SECONDS` says otherwise) and passes `SOAK_WORKLOADS` on.
struct SoakSettings {
    /// How long the load runs: `LUAFCGID_SOAK_SECONDS`, default 30.
    let seconds: Int
    /// The workloads to run: `LUAFCGID_SOAK_WORKLOADS`, names separated by
    /// commas (e.g. `hello,page,slow`); unset or empty: all of them. For a
    /// server that lacks a limit (the `watchdog` and `memory` workloads
    /// expect 504 and 500), or to look at one workload alone.
    let workloads: Set<String>

    static let defaultSeconds = 30
    /// The RSS check compares the first and last fifth of the run: under
    /// 10 s those are 2 s long, too short to mean anything.
    static let shortestSeconds = 10

    static func fromEnvironment(known: [String]) throws -> SoakSettings {
        let environment = ProcessInfo.processInfo.environment
        var seconds = defaultSeconds
        if let text = environment["LUAFCGID_SOAK_SECONDS"], !text.isEmpty {
            guard let value = Int(text), value >= shortestSeconds else {
                throw HarnessError("LUAFCGID_SOAK_SECONDS=\(text): a whole number of seconds, at least \(shortestSeconds)")
            }
            seconds = value
        }
        var workloads = Set(known)
        if let text = environment["LUAFCGID_SOAK_WORKLOADS"], !text.isEmpty {
            workloads = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let unknown = workloads.subtracting(known)
            guard unknown.isEmpty else {
                throw HarnessError(
                    "LUAFCGID_SOAK_WORKLOADS: unknown \(unknown.sorted().joined(separator: ", ")); "
                        + "the workloads are \(known.joined(separator: ","))")
            }
        }
        return SoakSettings(seconds: seconds, workloads: workloads)
    }
}
