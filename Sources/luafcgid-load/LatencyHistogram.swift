/// Request latencies in nanoseconds, counted in log-linear buckets so that
/// recording is one index computation and an increment, whatever the count.
///
/// Every power of two is split into 128 equal buckets, so a bucket is less than
/// 1/128 (0.8 %) of its values wide, from 1 ns up to about 18 minutes
/// (2⁴⁰ ns; longer values are counted as that). Values below 256 ns get a bucket
/// each. A percentile is the middle of the bucket holding that rank, clamped to
/// the exact minimum and maximum.
///
/// ```
/// value:  0 … 255           256 … 511           512 … 1023         …
/// index:  0 … 255 (exact)   256 … 383 (width 2)  384 … 511 (width 4) …
/// ```
struct LatencyHistogram: Sendable {
    /// log₂ of the buckets per power of two.
    private static let subBucketBits = 7
    private static let subBucketCount = 1 << subBucketBits
    /// Values are clamped below 2^maximumValueBits.
    private static let maximumValueBits = 40
    private static let maximumValue = (UInt64(1) << maximumValueBits) - 1
    private static let bucketCount = subBucketCount * (maximumValueBits - subBucketBits + 1)

    private var counts = [UInt64](repeating: 0, count: bucketCount)
    private(set) var count = 0
    private(set) var minimum = UInt64.max
    private(set) var maximum: UInt64 = 0

    mutating func record(nanoseconds: UInt64) {
        let value = min(nanoseconds, Self.maximumValue)
        self.counts[Self.index(of: value)] += 1
        self.count += 1
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
    }

    /// The value below or at which `fraction` of the recorded values lie (nearest
    /// rank), e.g. 0.99 for p99; 0 when nothing was recorded.
    func percentile(_ fraction: Double) -> UInt64 {
        guard self.count > 0 else {
            return 0
        }
        let rank = max(1, min(UInt64(self.count), UInt64((fraction * Double(self.count)).rounded(.up))))
        var seen: UInt64 = 0
        for (index, count) in self.counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank {
                let (lower, width) = Self.bucket(at: index)
                return min(max(lower + (width - 1) / 2, self.minimum), self.maximum)
            }
        }
        return self.maximum
    }

    /// Values below two sub-bucket counts are their own index; above, the value
    /// is shifted until it has `subBucketBits + 1` significant bits, and the shift
    /// picks the power of two.
    static func index(of value: UInt64) -> Int {
        let highestBit = UInt64.bitWidth - 1 - value.leadingZeroBitCount
        let shift = max(0, highestBit - Self.subBucketBits)
        return Self.subBucketCount * shift + Int(value >> UInt64(shift))
    }

    /// The first value and the width of the bucket at `index`: the inverse of ``index(of:)``.
    static func bucket(at index: Int) -> (lower: UInt64, width: UInt64) {
        let shift = max(0, index / Self.subBucketCount - 1)
        let mantissa = UInt64(index - Self.subBucketCount * shift)
        return (mantissa << UInt64(shift), UInt64(1) << UInt64(shift))
    }
}
