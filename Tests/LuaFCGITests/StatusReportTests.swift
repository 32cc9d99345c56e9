import Foundation
import Testing
@testable import LuaFCGI

@Suite struct StatusReportTests {
    static func report(latency: LatencyHistogram.Snapshot? = nil) -> StatusReport {
        let histogram = LatencyHistogram()
        for micros in [500, 1500, 1500, 90_000] { histogram.record(.microseconds(micros)) }
        return StatusReport(
            uptimeSeconds: 12.5, answersByClass: [0, 7, 1, 2, 1], aborted: 1, running: 2, waiting: 3, workers: 4,
            statesAlive: 5, statesMax: 8,
            scripts: [
                .init(path: "/srv/www/a \"b\".lua", states: 2, requests: 6, lastLoad: Date(timeIntervalSince1970: 1_796_230_800),
                      memoryBytes: 40_960),
                .init(path: "/srv/www/new.lua", states: 1, requests: 0, lastLoad: nil, memoryBytes: 0),
            ],
            loads: 9, evictions: 1, reloads: 2, timeouts: 1, memoryErrors: 0, latency: latency ?? histogram.snapshot(),
            shared: SharedStoreStatistics(entries: 3, bytes: 250, capacity: 16 << 20, evictions: 4, expirations: 5))
    }

    @Test func theJSONHasEveryFieldOfTheSpecInItsOrder() {
        #expect(Self.report().json == """
            {"uptime_seconds":12.5,"requests":{"total":11,"1xx":0,"2xx":7,"3xx":1,"4xx":2,"5xx":1},"aborted":1,\
            "running":2,"waiting":3,"workers":4,"states":{"alive":5,"max":8},"scripts":[\
            {"path":"/srv/www/a \\"b\\".lua","states":2,"requests":6,"last_load":"2026-12-02T17:00:00Z","memory_bytes":40960},\
            {"path":"/srv/www/new.lua","states":1,"requests":0,"last_load":null,"memory_bytes":0}],\
            "loads":9,"evictions":1,"reloads":2,"timeouts":1,"memory_errors":0,\
            "latency_ms":{"p50":1.504,"p90":88.064,"p99":88.064},\
            "shared":{"entries":3,"bytes":250,"capacity_bytes":16777216,"evictions":4,"expirations":5}}

            """)
    }

    @Test func theJSONParsesAndHasNullLatencyBeforeTheFirstAnswer() throws {
        let report = Self.report(latency: LatencyHistogram().snapshot())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let latency = try #require(json["latency_ms"] as? [String: Any])
        #expect(latency["p50"] is NSNull && latency["p99"] is NSNull)
        #expect((json["scripts"] as? [[String: Any]])?.first?["path"] as? String == "/srv/www/a \"b\".lua")
    }

    @Test func jsonStringsEscapeControlCharacters() {
        #expect(StatusReport.quoted("a\u{1}\n\\") == #""a\u0001\n\\""#)
    }

    @Test func prometheusTextHasTheMetricsWithPerScriptLabels() {
        let text = Self.report().prometheusText
        let lines = Set(text.split(separator: "\n").map(String.init))
        for line in [
            "# TYPE luafcgid_requests_total counter",
            #"luafcgid_requests_total{class="2xx"} 7"#, #"luafcgid_requests_total{class="5xx"} 1"#,
            "luafcgid_requests_aborted_total 1", "luafcgid_requests_running 2.0", "luafcgid_requests_waiting 3.0",
            "luafcgid_workers 4.0", "luafcgid_states_alive 5.0", "luafcgid_states_max 8.0", "luafcgid_uptime_seconds 12.5",
            #"luafcgid_script_states{script="/srv/www/a \"b\".lua"} 2.0"#,
            #"luafcgid_script_requests_total{script="/srv/www/a \"b\".lua"} 6"#,
            #"luafcgid_script_memory_bytes{script="/srv/www/a \"b\".lua"} 40960.0"#,
            #"luafcgid_script_last_load_timestamp_seconds{script="/srv/www/a \"b\".lua"} 1796230800.0"#,
            #"luafcgid_script_requests_total{script="/srv/www/new.lua"} 0"#,
            "luafcgid_loads_total 9", "luafcgid_evictions_total 1", "luafcgid_reloads_total 2",
            "luafcgid_timeouts_total 1", "luafcgid_memory_errors_total 0",
            "luafcgid_shared_entries 3.0", "luafcgid_shared_bytes 250.0", "luafcgid_shared_capacity_bytes 16777216.0",
            "luafcgid_shared_evictions_total 4", "luafcgid_shared_expirations_total 5",
            "# TYPE luafcgid_request_duration_seconds histogram",
            #"luafcgid_request_duration_seconds_bucket{le="0.001024"} 1"#,
            #"luafcgid_request_duration_seconds_bucket{le="0.002048"} 3"#,
            #"luafcgid_request_duration_seconds_bucket{le="0.131072"} 4"#,
            #"luafcgid_request_duration_seconds_bucket{le="+Inf"} 4"#,
            "luafcgid_request_duration_seconds_sum 0.0935", "luafcgid_request_duration_seconds_count 4",
        ] {
            #expect(lines.contains(line), "\(line) in\n\(text)")
        }
        #expect(!text.contains(#"last_load_timestamp_seconds{script="/srv/www/new.lua"}"#))
        #expect(text.hasSuffix("\n"))
    }

    @Test func prometheusIsAskedForByTheQueryField() {
        #expect(OperationsPages.wantsPrometheus("format=prometheus"))
        #expect(OperationsPages.wantsPrometheus("a=1&format=prometheus"))
        #expect(!OperationsPages.wantsPrometheus("format=prometheusx"))
        #expect(!OperationsPages.wantsPrometheus(nil))
        #expect(!OperationsPages.wantsPrometheus(""))
    }
}
