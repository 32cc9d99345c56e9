import Testing

@testable import luafcgid_load

@Suite struct LoadReportTests {
    @Test func theJSONLineHasTheContractKeysInOrder() {
        var tally = LoadTally()
        for microseconds in 1...100 as ClosedRange<UInt64> {
            tally.recordResponse(status: microseconds <= 2 ? 404 : 200, nanoseconds: microseconds * 1000)
        }
        tally.recordFailure(.timeout)
        let report = LoadReport(tally: tally, seconds: 2)
        #expect(
            report.jsonLine
                == #"{"requests":100,"seconds":2.000,"rps":50.0,"p50_us":50,"p99_us":99,"errors":1,"non2xx":2}"#)
    }

    @Test func anEmptyRunReportsZerosNotNaN() {
        let report = LoadReport(tally: LoadTally(), seconds: 0)
        #expect(
            report.jsonLine == #"{"requests":0,"seconds":0.000,"rps":0.0,"p50_us":0,"p99_us":0,"errors":0,"non2xx":0}"#)
    }

    @Test func theSummaryNamesErrorKindsAndTheFirstError() {
        var tally = LoadTally()
        tally.recordFailure(.connect("refused"))
        tally.recordFailure(.timeout)
        tally.recordFailure(.timeout)
        let summary = LoadReport(tally: tally, seconds: 1).summary
        #expect(summary.contains("errors    3 (connect 1, timeout 2)"))
        #expect(summary.contains("first     connect failed: refused"))
    }
}
