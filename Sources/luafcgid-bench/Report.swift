/// The results as Markdown: printed, and put into docs/PERFORMANCE.md.
struct Report {
    let machine: MachineInfo
    let settings: BenchSettings
    let throughNginx: [NginxBenchmark.Setting]
    let direct: Outcome<[(mode: DirectBenchmark.Mode, summary: Summary)]>
    let states: Outcome<StateMemoryProbe.Result>

    /// A section that may not have run, with the reason.
    enum Outcome<Value> {
        case measured(Value)
        case skipped(String)
    }

    func render() -> String {
        var lines = header()
        for setting in throughNginx { lines += [""] + nginxTable(setting) }
        lines += [""] + directSection()
        lines += [""] + statesSection()
        return lines.joined(separator: "\n") + "\n"
    }

    private func header() -> [String] {
        let flags = settings.flags.isEmpty ? "" : " BENCHFLAGS='\(settings.flags.joined(separator: " "))'"
        return [
            "Measured \(machine.date) on \(machine.cores) cores (\(machine.cpuModel)), Linux \(machine.kernel)"
                + (machine.commit.map { ", commit `\($0)`" } ?? "") + "; load average \(machine.loadAverage) at the start.",
            "`make bench\(flags)`: \(settings.rounds) round\(settings.rounds == 1 ? "" : "s") × \(settings.duration) s per run"
                + ", \(settings.warmup) s warm-up per target, `wrk -t1`.",
        ]
    }

    private func nginxTable(_ setting: NginxBenchmark.Setting) -> [String] {
        let references: [Target] = [.null, .phpFPM, .static]
        let medians = Dictionary(uniqueKeysWithValues: setting.results.map { ($0.target, $0.summary.medianRPS) })
        var lines = [
            "### \(setting.workload.rawValue), \(setting.connections) connection\(setting.connections == 1 ? "" : "s")",
            "",
            "| target | req/s | min..max | p50 | p99 | backend µs/req | nginx µs/req | "
                + references.map { "×\($0.rawValue)" }.joined(separator: " | ") + " | flagged |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
        ]
        for (target, summary) in setting.results {
            let ratios = references.map { reference in
                guard let base = medians[reference], base > 0 else { return "—" }
                return Format.ratio(summary.medianRPS / base)
            }
            let cells = [target.rawValue] + Self.measuredCells(summary)
                + [summary.nginxCPU.map(Format.cpu) ?? "—"] + ratios + [Self.flagCell(summary)]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// req/s, min..max, p50, p99 and backend µs/req: the columns every table has.
    private static func measuredCells(_ summary: Summary) -> [String] {
        [
            Format.rate(summary.medianRPS),
            "\(Format.rate(summary.minRPS))..\(Format.rate(summary.maxRPS))",
            Format.latency(summary.p50),
            Format.latency(summary.p99),
            Format.cpu(summary.backendCPU),
        ]
    }

    private static func flagCell(_ summary: Summary) -> String {
        summary.flags.map { "⚠ \($0)" } ?? ""
    }

    private func directSection() -> [String] {
        var lines = [
            "### direct: luafcgid-load on luafcgid's socket, hello, \(DirectBenchmark.connections) connections, no nginx",
            "",
        ]
        switch direct {
        case .skipped(let reason):
            lines.append("Not measured: \(reason).")
        case .measured(let results):
            lines += [
                "| mode | req/s | min..max | p50 | p99 | backend µs/req | flagged |",
                "|---|--:|--:|--:|--:|--:|---|",
            ]
            for (mode, summary) in results {
                let cells = [mode.label] + Self.measuredCells(summary) + [Self.flagCell(summary)]
                lines.append("| " + cells.joined(separator: " | ") + " |")
            }
        }
        return lines
    }

    private func statesSection() -> [String] {
        var lines = [
            "### states: \(StateMemoryProbe.scripts) copies of hello.lua, `states = \(StateMemoryProbe.states)`, one connection",
            "",
        ]
        switch states {
        case .skipped(let reason):
            lines.append("Not measured: \(reason).")
        case .measured(let result):
            lines += [
                "| measure | value |",
                "|---|--:|",
                "| RSS after start-up | \(Format.memory(kibibytes: result.residentAtStart)) |",
                "| RSS with \(StateMemoryProbe.scripts) states (after the cold pass) | \(Format.memory(kibibytes: result.residentCold)) |",
                "| RSS after the warm pass | \(Format.memory(kibibytes: result.residentWarm)) |",
                "| p50, cold (each request creates a state) | \(Format.latency(result.cold.p50)) |",
                "| p50, warm (each request finds its state) | \(Format.latency(result.warm.p50)) |",
                "| new state ≈ cold p50 − warm p50 | \(Format.latency(result.newState)) |",
            ]
            for (name, pass) in [("cold", result.cold), ("warm", result.warm)] where pass.isFlagged {
                lines.append("")
                lines.append("⚠ \(name) pass: \(pass.requests) answers, \(pass.errors) errors, \(pass.non2xx) non-2xx.")
            }
        }
        return lines
    }
}
