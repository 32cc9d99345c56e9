import Foundation

/// One recorded run: the load generator's view plus the CPU time the
/// processes spent on it, per request.
struct RunResult {
    let load: LoadResult
    /// CPU µs per request of the backend's process tree.
    let backendCPU: Double
    /// CPU µs per request of nginx (master and worker); nil without nginx.
    let nginxCPU: Double?
}

/// Measures the CPU time of process trees around one run, from /proc.
///
/// utime + stime are sampled right before and after the load generator runs;
/// the difference divided by the requests served is the CPU cost per
/// request. Ticks are 10 ms, so a 5 s run resolves about 0.5 % of a core.
struct CPUMeter {
    let backend: pid_t
    let nginx: pid_t?

    func measure(_ run: () throws -> LoadResult) rethrows -> RunResult {
        let backendBefore = ProcessTree(root: backend).cpuTicks
        let nginxBefore = nginx.map { ProcessTree(root: $0).cpuTicks }
        let load = try run()
        let backendAfter = ProcessTree(root: backend).cpuTicks
        let nginxAfter = nginx.map { ProcessTree(root: $0).cpuTicks }
        let perRequest = { (ticks: Int) in
            Double(ticks) * 1_000_000 / Double(ProcessStat.ticksPerSecond) / Double(max(load.requests, 1))
        }
        var nginxCPU: Double?
        if let nginxBefore, let nginxAfter { nginxCPU = perRequest(nginxAfter - nginxBefore) }
        return RunResult(load: load, backendCPU: perRequest(backendAfter - backendBefore), nginxCPU: nginxCPU)
    }
}
