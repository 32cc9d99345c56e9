import Foundation

/// The summary the soak prints at its end: a row per workload, a total, and
/// luafcgid's memory figures.
///
///     workload  path                conns  requests   req/s  expected  unexpected  socket errors  p99 ms  max ms
///     hello     /kept/hello.lua        20    812345  2707.8       200           0              0    21.3    96.0
enum SoakReport {
    static func render(
        outcome: SoakRun.Outcome, seconds: Int, binary: String, port: Int, growthLimitKiB: Int
    ) -> String {
        let elapsed = outcome.elapsed / .seconds(1)
        let header = ["workload", "path", "conns", "requests", "req/s", "expected", "unexpected", "socket errors", "p99 ms", "max ms"]
        var rows = outcome.results.map { result in
            [
                result.name, result.path, "\(result.connections)", "\(result.requests)",
                String(format: "%.1f", Double(result.requests) / Double(seconds)), "\(result.expectedStatus)",
                "\(result.unexpected)", "\(result.socketErrors)",
                result.maxMilliseconds > 0 ? String(format: "%.1f", result.p99Milliseconds) : "-",
                result.maxMilliseconds > 0 ? String(format: "%.1f", result.maxMilliseconds) : "-",
            ]
        }
        let requests = outcome.results.map(\.requests).reduce(0, +)
        rows.append([
            "total", "", "\(outcome.results.map(\.connections).reduce(0, +))", "\(requests)",
            String(format: "%.1f", Double(requests) / Double(seconds)), "",
            "\(outcome.results.map(\.unexpected).reduce(0, +))", "\(outcome.results.map(\.socketErrors).reduce(0, +))", "", "",
        ])
        var lines = [
            "Soak: \(seconds) s (\(String(format: "%.1f", elapsed)) s with the last answers), luafcgid \(binary), nginx on 127.0.0.1:\(port)"
        ]
        lines += table([header] + rows)
        for result in outcome.results where result.unexpected > 0 || result.socketErrors > 0 {
            lines.append("  \(result.name): unexpected \(result.wrongSummary); socket errors: \(result.socketErrorDetail)")
        }
        if let failure = outcome.slowFailure { lines.append("  slow client's first failure: \(failure)") }
        lines.append(memoryLine(outcome.memory, seconds: seconds, growthLimitKiB: growthLimitKiB))
        return lines.joined(separator: "\n")
    }

    static func memoryLine(_ memory: ResidentMemory, seconds: Int, growthLimitKiB: Int) -> String {
        guard let figures = memory.figures(duration: Double(seconds)) else {
            return "luafcgid RSS: too few samples (\(memory.samples.count))"
        }
        let window = String(format: "%.0f", figures.window)
        let lastFrom = String(format: "%.0f", Double(seconds) - figures.window)
        return "luafcgid RSS (KiB): idle \(memory.idleKiB); first \(figures.first) (median of 0–\(window) s), "
            + "last \(figures.last) (median of \(lastFrom)–\(seconds) s), growth \(figures.growth >= 0 ? "+" : "")\(figures.growth) "
            + "(limit \(growthLimitKiB)); min \(figures.min), max \(figures.max); \(figures.count) samples"
    }

    /// Columns padded to their widest cell; text left-aligned, numbers right-aligned.
    private static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.indices.map { column in
                let cell = row[column]
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }

    /// The last `lines` lines of the file at `url` (its last 64 KiB at most):
    /// a soak's logs can be tens of MB.
    static func tail(of url: URL, lines: Int = 30) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "(no \(url.path))" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65536 ? size - 65536 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
