import Testing
@testable import LuaFCGI

@Suite struct LatencyHistogramTests {
    @Test func everyValueFallsInsideItsBucketAndBucketsTileTheRange() {
        #expect(LatencyHistogram.bucket(ofMicroseconds: 0) == 0)
        #expect(LatencyHistogram.bucket(ofMicroseconds: 15) == 15)
        #expect(LatencyHistogram.bucket(ofMicroseconds: 16) == 16)
        var values: [UInt64] = Array(0...5000)
        for exponent in 12..<40 { values += [(1 << exponent) - 1, 1 << exponent, (1 << exponent) + 7] }
        for value in values {
            let index = LatencyHistogram.bucket(ofMicroseconds: value)
            #expect(index >= 0 && index < LatencyHistogram.bucketCount)
            let (lower, upper) = LatencyHistogram.bounds(ofBucket: index)
            if index < LatencyHistogram.bucketCount - 1 {
                #expect(lower <= value && value < upper, "\(value) in bucket \(index): \(lower)..<\(upper)")
            } else {
                #expect(value >= lower)
            }
        }
        for index in 1..<LatencyHistogram.bucketCount {
            #expect(LatencyHistogram.bounds(ofBucket: index).lower == LatencyHistogram.bounds(ofBucket: index - 1).upper)
        }
    }

    @Test func aBucketSpansAtMostOneSixteenthOfItsLowerBound() {
        for index in LatencyHistogram.subBuckets..<LatencyHistogram.bucketCount {
            let (lower, upper) = LatencyHistogram.bounds(ofBucket: index)
            #expect((upper - lower) * 16 <= lower)
        }
    }

    @Test func percentilesAreWithinTheDocumentedPrecision() throws {
        let histogram = LatencyHistogram()
        // 1 ms … 1000 ms, one request each: p50 = 500 ms, p90 = 900 ms, p99 = 990 ms.
        for milliseconds in 1...1000 { histogram.record(.milliseconds(milliseconds)) }
        let snapshot = histogram.snapshot()
        #expect(snapshot.total == 1000)
        #expect(snapshot.sumMicroseconds == 500_500_000)
        for (quantile, exact) in [(0.5, 500_000.0), (0.9, 900_000.0), (0.99, 990_000.0)] {
            let estimate = try #require(snapshot.percentile(quantile))
            #expect(abs(estimate - exact) / exact <= 1.0 / 32 + 1e-9, "p\(quantile): \(estimate) for \(exact)")
        }
    }

    @Test func smallValuesAreExactAndAnEmptyHistogramHasNoPercentile() {
        let histogram = LatencyHistogram()
        #expect(histogram.snapshot().percentile(0.5) == nil)
        for micros in [3, 3, 3, 7] { histogram.record(.microseconds(micros)) }
        #expect(histogram.snapshot().percentile(0.5) == 3)
        #expect(histogram.snapshot().percentile(1) == 7)
        histogram.record(.seconds(-1))
        #expect(histogram.snapshot().counts[0] == 1)
    }

    @Test func cumulativeCountsBelowABoundAreExact() {
        let histogram = LatencyHistogram()
        for micros in [100, 127, 128, 200, 5000] { histogram.record(.microseconds(micros)) }
        let snapshot = histogram.snapshot()
        #expect(snapshot.count(below: 128) == 2)
        #expect(snapshot.count(below: 256) == 4)
        #expect(snapshot.count(below: 1 << 26) == 5)
    }

    @Test func manyThreadsRecordWithoutLosingCounts() async {
        let histogram = LatencyHistogram()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for i in 0..<10_000 { histogram.record(.microseconds(task * 1000 + i % 500)) }
                }
            }
        }
        #expect(histogram.snapshot().total == 40_000)
    }
}
