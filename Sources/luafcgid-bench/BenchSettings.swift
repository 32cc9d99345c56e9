/// What to measure and how long, after `--quick` and the defaults applied.
struct BenchSettings {
    var rounds: Int
    /// Seconds per recorded run.
    var duration: Int
    /// Seconds of the unrecorded warm-up run of each subject; 0 skips it.
    var warmup: Int
    var targets: [Target]
    var workloads: [Workload]
    var connections: [Int]
    var writeDocument: Bool
    var keepWorkspace: Bool
    /// The command line's flags, quoted in the report so a run can be repeated.
    var flags: [String]
}
