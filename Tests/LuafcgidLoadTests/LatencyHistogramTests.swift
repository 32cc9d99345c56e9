import Testing

@testable import luafcgid_load

@Suite struct LatencyHistogramTests {
    @Test func anEmptyHistogramReportsZero() {
        let histogram = LatencyHistogram()
        #expect(histogram.percentile(0.5) == 0)
        #expect(histogram.percentile(0.99) == 0)
        #expect(histogram.count == 0)
    }

    @Test func smallValuesAreExact() {
        var histogram = LatencyHistogram()
        for value in 1...100 as ClosedRange<UInt64> {
            histogram.record(nanoseconds: value)
        }
        #expect(histogram.percentile(0.5) == 50)
        #expect(histogram.percentile(0.99) == 99)
        #expect(histogram.percentile(1) == 100)
        #expect(histogram.percentile(0) == 1)
        #expect(histogram.minimum == 1)
        #expect(histogram.maximum == 100)
    }

    @Test func percentilesUseTheNearestRank() {
        var histogram = LatencyHistogram()
        for value in [10, 20, 30, 40] as [UInt64] {
            histogram.record(nanoseconds: value)
        }
        #expect(histogram.percentile(0.5) == 20)
        #expect(histogram.percentile(0.51) == 30)
        #expect(histogram.percentile(0.99) == 40)
    }

    @Test func largeValuesAreWithinOneBucketOfTheTruth() {
        var histogram = LatencyHistogram()
        // 1 µs … 1000 µs, one request each.
        for microseconds in 1...1000 as ClosedRange<UInt64> {
            histogram.record(nanoseconds: microseconds * 1000)
        }
        for (fraction, exact) in [(0.5, 500_000.0), (0.9, 900_000.0), (0.99, 990_000.0)] {
            let value = Double(histogram.percentile(fraction))
            #expect(abs(value - exact) / exact < 1.0 / 128, "p\(fraction * 100): \(value)")
        }
        #expect(histogram.percentile(1) == 1_000_000)
    }

    @Test func aSingleValueIsReportedExactlyThroughTheClamp() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 123_456_789)
        #expect(histogram.percentile(0.5) == 123_456_789)
        #expect(histogram.percentile(0.99) == 123_456_789)
    }

    @Test func hugeValuesAreClampedNotLost() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: .max)
        #expect(histogram.count == 1)
        #expect(histogram.maximum == (1 << 40) - 1)
    }

    @Test func bucketsTileTheValuesWithoutGapsAndAreNarrow() {
        var expectedLower: UInt64 = 0
        for index in 0..<(128 * 34) {
            let (lower, width) = LatencyHistogram.bucket(at: index)
            #expect(lower == expectedLower)
            #expect(LatencyHistogram.index(of: lower) == index)
            #expect(LatencyHistogram.index(of: lower + width - 1) == index)
            #expect(lower < 256 ? width == 1 : width * 128 <= lower)
            expectedLower = lower + width
        }
        #expect(expectedLower == 1 << 40)
    }
}
