import Synchronization

/// Request durations in fixed log-linear buckets of atomic counters
/// (HdrHistogram's layout): recording is one relaxed atomic increment, with no
/// lock and no allocation, so every worker records on the request's path.
///
/// Values are microseconds. Below 16 µs every value has a bucket of its own;
/// above, each power of two `[2^k, 2^(k+1))` is cut into 16 equal buckets,
/// so a bucket spans 1/16 of its lower bound. A percentile is reported as the
/// middle of its bucket: within 1/32 (3.2 %) of the true value, exact below
/// 16 µs. Values from 2^36 µs (19 hours) on share the last bucket.
///
/// The exact sum of the values is kept too (a second increment), for
/// Prometheus' `_sum`. A snapshot reads the buckets one by one while workers go on recording, so
/// its counts may be a few requests apart from each other; each is exact.
/// `@unchecked Sendable`: the pointer is set once and every element is an `Atomic`.
final class LatencyHistogram: @unchecked Sendable {
    /// Sub-buckets per power of two, as a power of two: 2^4 = 16.
    static let subBucketBits = 4
    static let subBuckets = 1 << subBucketBits
    /// The first power of two that shares the last bucket.
    static let topExponent = 36
    static let bucketCount = subBuckets + (topExponent - subBucketBits) * subBuckets

    /// `bucketCount` counters; allocated once, never moved (atomics need a fixed address).
    private let buckets: UnsafeMutablePointer<Atomic<UInt64>>
    private let sum = Atomic<UInt64>(0)

    init() {
        buckets = .allocate(capacity: Self.bucketCount)
        for index in 0..<Self.bucketCount { (buckets + index).initialize(to: Atomic(0)) }
    }

    deinit {
        buckets.deinitialize(count: Self.bucketCount)
        buckets.deallocate()
    }

    /// Counts one request that took `duration` (negative durations count as 0).
    func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = seconds < 0 ? 0 : UInt64(clamping: seconds) &* 1_000_000 &+ UInt64(clamping: max(attoseconds, 0) / 1_000_000_000_000)
        buckets[Self.bucket(ofMicroseconds: micros)].wrappingAdd(1, ordering: .relaxed)
        sum.wrappingAdd(micros, ordering: .relaxed)
    }

    /// The bucket holding `value` µs.
    static func bucket(ofMicroseconds value: UInt64) -> Int {
        guard value >= UInt64(subBuckets) else { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount  // floor(log2(value)), at least subBucketBits
        guard exponent < topExponent else { return bucketCount - 1 }
        let sub = Int(value >> UInt64(exponent - subBucketBits)) & (subBuckets - 1)
        return subBuckets + (exponent - subBucketBits) * subBuckets + sub
    }

    /// The values of bucket `index`: `lower ..< upper` µs.
    static func bounds(ofBucket index: Int) -> (lower: UInt64, upper: UInt64) {
        guard index >= subBuckets else { return (UInt64(index), UInt64(index) + 1) }
        let exponent = subBucketBits + (index - subBuckets) / subBuckets
        let sub = UInt64((index - subBuckets) % subBuckets)
        let width = UInt64(1) << UInt64(exponent - subBucketBits)
        let lower = (UInt64(subBuckets) + sub) * width
        return (lower, lower + width)
    }

    /// The counts of every bucket, as of now.
    func snapshot() -> Snapshot {
        Snapshot(
            counts: (0..<Self.bucketCount).map { buckets[$0].load(ordering: .relaxed) },
            sumMicroseconds: sum.load(ordering: .relaxed))
    }

    /// The bucket counts at one moment, for percentiles and the Prometheus histogram.
    struct Snapshot: Sendable, Equatable {
        var counts: [UInt64]
        /// The sum of every value recorded, µs.
        var sumMicroseconds: UInt64

        var total: UInt64 { counts.reduce(0, &+) }

        /// The value at `quantile` (0…1) in µs: the middle of the bucket where the
        /// count reaches `quantile` of the total; nil when nothing was recorded.
        func percentile(_ quantile: Double) -> Double? {
            let total = self.total
            guard total > 0 else { return nil }
            let rank = max(1, UInt64((quantile * Double(total)).rounded(.up)))
            var seen: UInt64 = 0
            for (index, count) in counts.enumerated() where count > 0 {
                seen += count
                if seen >= rank {
                    let (lower, upper) = LatencyHistogram.bounds(ofBucket: index)
                    return index < LatencyHistogram.subBuckets ? Double(lower) : Double(lower + upper) / 2
                }
            }
            return nil
        }

        /// How many values were below `microseconds`, which must be a bucket bound
        /// (a power of two is): the cumulative count Prometheus' `le` buckets want.
        func count(below microseconds: UInt64) -> UInt64 {
            var sum: UInt64 = 0
            for (index, count) in counts.enumerated() where LatencyHistogram.bounds(ofBucket: index).upper <= microseconds {
                sum += count
            }
            return sum
        }
    }
}
