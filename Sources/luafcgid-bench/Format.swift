import Foundation

/// How numbers read in the report and the progress lines.
enum Format {
    /// Requests per second, whole.
    static func rate(_ value: Double) -> String {
        String(Int(value.rounded()))
    }

    /// Microseconds as "87 µs", "1.21 ms" or "2.05 s".
    static func latency(_ microseconds: Double) -> String {
        if microseconds < 1_000 { return "\(Int(microseconds.rounded())) µs" }
        if microseconds < 1_000_000 { return String(format: "%.2f ms", microseconds / 1_000) }
        return String(format: "%.2f s", microseconds / 1_000_000)
    }

    /// CPU microseconds per request, one decimal.
    static func cpu(_ microseconds: Double) -> String {
        String(format: "%.1f", microseconds)
    }

    /// A ratio like "1.23×".
    static func ratio(_ value: Double) -> String {
        String(format: "%.2f×", value)
    }

    /// KiB as "12.3 MiB".
    static func memory(kibibytes: Int) -> String {
        String(format: "%.1f MiB", Double(kibibytes) / 1024)
    }
}

extension String {
    /// Pads with spaces to `width` (right, or left for numbers), for aligned progress lines.
    func padded(_ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - count))
        return left ? padding + self : self + padding
    }
}
