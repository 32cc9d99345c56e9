import Foundation

extension StatusReport {
    /// The JSON of the status page (docs/status.md), keys in SPEC §6's order.
    ///
    /// `last_load` is an ISO-8601 UTC time (`2026-12-02T17:00:00Z`, to the
    /// second) or null; `latency_ms` values are milliseconds with three decimals,
    /// null while no request was answered; `uptime_seconds` has three decimals.
    var json: String {
        var out = "{"
        out += "\"uptime_seconds\":\(Self.decimal(uptimeSeconds)),"
        out += "\"requests\":{\"total\":\(requestsTotal)"
        for (index, count) in answersByClass.enumerated() { out += ",\"\(index + 1)xx\":\(count)" }
        out += "},"
        out += "\"aborted\":\(aborted),"
        out += "\"running\":\(running),\"waiting\":\(waiting),\"workers\":\(workers),"
        out += "\"states\":{\"alive\":\(statesAlive),\"max\":\(statesMax)},"
        out += "\"scripts\":["
        out += scripts.map { script in
            "{\"path\":\(Self.quoted(script.path)),\"states\":\(script.states),\"requests\":\(script.requests),"
                + "\"last_load\":\(script.lastLoad.map { Self.quoted(Self.iso8601($0)) } ?? "null"),"
                + "\"memory_bytes\":\(script.memoryBytes)}"
        }.joined(separator: ",")
        out += "],"
        out += "\"loads\":\(loads),\"evictions\":\(evictions),\"reloads\":\(reloads),"
        out += "\"timeouts\":\(timeouts),\"memory_errors\":\(memoryErrors),"
        out += "\"latency_ms\":{"
        out += [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)].map { name, quantile in
            "\"\(name)\":" + (latency.percentile(quantile).map { Self.decimal($0 / 1000) } ?? "null")
        }.joined(separator: ",")
        out += "},"
        out += "\"shared\":{\"entries\":\(shared.entries),\"bytes\":\(shared.bytes),\"capacity_bytes\":\(shared.capacity),"
        out += "\"evictions\":\(shared.evictions),\"expirations\":\(shared.expirations)}}\n"
        return out
    }

    /// `value` with three decimals, trailing zeros dropped (`12.5`, `0.031`, `3`).
    static func decimal(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `time` as `YYYY-MM-DDTHH:MM:SSZ`.
    static func iso8601(_ time: Date) -> String {
        var seconds = time_t(time.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
