import Prometheus

extension StatusReport {
    /// The report in Prometheus' text exposition format, 0.0.4 (docs/status.md lists the metrics).
    ///
    /// The counters live in `ServerStatistics` as plain atomics, which both
    /// renderings read; this fills a fresh swift-prometheus registry from the
    /// report at each scrape, so a request pays no metric handle at all and the
    /// JSON and the Prometheus text always agree. The latency histogram is
    /// written here in the same format: swift-prometheus' `Histogram` records
    /// one observation at a time under a lock and cannot be loaded from the
    /// atomic buckets of `LatencyHistogram`.
    var prometheusText: String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
            registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels).set(value)
        }
        func counter(_ name: String, _ help: String, _ value: Int, labels: [(String, String)] = []) {
            registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels).increment(by: Int64(value))
        }
        gauge("uptime_seconds", "Seconds since the server started.", uptimeSeconds)
        for (index, count) in answersByClass.enumerated() {
            counter("requests_total", "Answers given, by status class (error pages and the status page included).", count,
                    labels: [("class", "\(index + 1)xx")])
        }
        counter("requests_aborted_total", "Requests whose client went away before the answer.", aborted)
        gauge("requests_running", "Requests being run by a worker now.", Double(running))
        gauge("requests_waiting", "Requests waiting in the queue for a worker.", Double(waiting))
        gauge("workers", "Worker threads (the workers setting).", Double(workers))
        gauge("states_alive", "Lua states alive (being created included).", Double(statesAlive))
        gauge("states_max", "The most Lua states alive at once (the states setting).", Double(statesMax))
        for script in scripts {
            let labels = [("script", script.path)]
            gauge("script_states", "Lua states holding the script now.", Double(script.states), labels: labels)
            counter("script_requests_total", "Requests the script's states served.", script.requests, labels: labels)
            gauge("script_memory_bytes", "Lua heap bytes of the script's states now.", Double(script.memoryBytes), labels: labels)
            if let lastLoad = script.lastLoad {
                gauge("script_last_load_timestamp_seconds", "When a state of the script was last created (Unix time).",
                      lastLoad.timeIntervalSince1970, labels: labels)
            }
        }
        counter("loads_total", "Lua states created (a script's chunk run).", loads)
        counter("evictions_total", "Idle states closed to make room for another script.", evictions)
        counter("reloads_total", "States closed because their script or a file it loaded changed, or on reload.", reloads)
        counter("timeouts_total", "Requests stopped by the watchdog.", timeouts)
        counter("memory_errors_total", "Requests whose state reached its memory cap.", memoryErrors)
        gauge("shared_entries", "Entries in the shared store (luafcgid.shared).", Double(shared.entries))
        gauge("shared_bytes", "Bytes the shared store's entries count for.", Double(shared.bytes))
        gauge("shared_capacity_bytes", "The shared store's capacity (the shared setting).", Double(shared.capacity))
        counter("shared_evictions_total", "Shared store entries removed to make room.", shared.evictions)
        counter("shared_expirations_total", "Shared store entries removed when their time to live ran out.", shared.expirations)
        return registry.emitToString() + latencyHistogramText
    }

    /// The `le` bounds of the Prometheus histogram, in µs: powers of two from 128 µs to
    /// about 67 s. They are bounds of `LatencyHistogram`'s buckets, so each cumulative
    /// count is exact (a value exactly on a bound counts in the next bucket).
    static let prometheusBoundsMicroseconds: [UInt64] = (7...26).map { UInt64(1) << UInt64($0) }

    private var latencyHistogramText: String {
        let name = "luafcgid_request_duration_seconds"
        var text = "# TYPE \(name) histogram\n"
        text += "# HELP \(name) Time from the request's arrival to the end of its answer.\n"
        for bound in Self.prometheusBoundsMicroseconds {
            text += "\(name)_bucket{le=\"\(Double(bound) / 1e6)\"} \(latency.count(below: bound))\n"
        }
        text += "\(name)_bucket{le=\"+Inf\"} \(latency.total)\n"
        text += "\(name)_sum \(Double(latency.sumMicroseconds) / 1e6)\n"
        text += "\(name)_count \(latency.total)\n"
        return text
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "luafcgid", metricName: name, unitName: "", helpText: help)
    }
}
