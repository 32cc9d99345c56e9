/// The runs of one subject in one setting, reduced over the rounds: medians,
/// and the spread of the throughput.
struct Summary {
    let runs: [RunResult]

    var medianRPS: Double { median(runs.map(\.load.requestsPerSecond)) }
    var minRPS: Double { runs.map(\.load.requestsPerSecond).min() ?? 0 }
    var maxRPS: Double { runs.map(\.load.requestsPerSecond).max() ?? 0 }
    var p50: Double { median(runs.map(\.load.p50)) }
    var p99: Double { median(runs.map(\.load.p99)) }
    var backendCPU: Double { median(runs.map(\.backendCPU)) }
    var nginxCPU: Double? {
        let values = runs.compactMap(\.nginxCPU)
        return values.isEmpty ? nil : median(values)
    }

    /// "2/3 runs: 12 errors, 40 non-2xx", or nil when every run was clean.
    var flags: String? {
        let flagged = runs.filter(\.load.isFlagged)
        guard !flagged.isEmpty else { return nil }
        let errors = flagged.reduce(0) { $0 + $1.load.errors }
        let non2xx = flagged.reduce(0) { $0 + $1.load.non2xx }
        var parts = ["\(flagged.count)/\(runs.count) runs"]
        if errors > 0 { parts.append("\(errors) errors") }
        if non2xx > 0 { parts.append("\(non2xx) non-2xx") }
        if flagged.contains(where: { $0.load.requests == 0 }) { parts.append("no answers") }
        return parts.joined(separator: ", ")
    }
}

/// The middle value; the mean of the two middle ones for an even count.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
