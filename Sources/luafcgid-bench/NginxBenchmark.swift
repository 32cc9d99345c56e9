/// The main measurement: every target through the private nginx, with wrk,
/// per workload and connection count, in interleaved rounds.
struct NginxBenchmark {
    let stack: BenchStack
    let wrk: Wrk
    let settings: BenchSettings

    /// One workload at one connection count: a summary per target.
    struct Setting {
        let workload: Workload
        let connections: Int
        let results: [(target: Target, summary: Summary)]
    }

    func run() throws -> [Setting] {
        var settings: [Setting] = []
        for workload in self.settings.workloads {
            for connections in self.settings.connections {
                settings.append(try run(workload, connections: connections))
            }
        }
        return settings
    }

    private func run(_ workload: Workload, connections: Int) throws -> Setting {
        let label = "\(workload.rawValue) c\(connections)"
        let rounds = InterleavedRounds<Target>(rounds: settings.rounds)
        let runs = try rounds.run(
            settings.targets,
            warmUp: { target in
                guard settings.warmup > 0 else { return }
                progress("\(label) warm-up  \(target.rawValue)")
                _ = try wrk.run(
                    url: stack.url(target, workload), workload: workload, connections: connections,
                    seconds: settings.warmup, name: "wrk-\(workload.rawValue)-c\(connections)-\(target.rawValue)-warmup")
            },
            measure: { target, round in
                let meter = CPUMeter(
                    backend: stack.backendPID(of: target),
                    nginx: target.backend == .nginx ? nil : stack.nginxPID)
                let result = try meter.measure {
                    try wrk.run(
                        url: stack.url(target, workload), workload: workload, connections: connections,
                        seconds: settings.duration,
                        name: "wrk-\(workload.rawValue)-c\(connections)-\(target.rawValue)-r\(round)")
                }
                try stack.checkAlive()
                progress("\(label) round \(round)/\(settings.rounds)  \(target.rawValue.padded(18))\(result.progressLine)")
                return result
            })
        return Setting(
            workload: workload, connections: connections,
            results: zip(settings.targets, runs).map { ($0, Summary(runs: $1)) })
    }
}

extension RunResult {
    /// "5123 req/s  p50 1.21 ms  p99 3.00 ms  backend 123.4 µs/req  nginx 30.1 µs/req".
    var progressLine: String {
        var line = "\(Format.rate(load.requestsPerSecond).padded(8, left: true)) req/s"
            + "  p50 \(Format.latency(load.p50))  p99 \(Format.latency(load.p99))"
            + "  backend \(Format.cpu(backendCPU)) µs/req"
        if let nginxCPU { line += "  nginx \(Format.cpu(nginxCPU)) µs/req" }
        if load.isFlagged { line += "  FLAGGED: \(load.errors) errors, \(load.non2xx) non-2xx" }
        return line
    }
}
