/// luafcgid's resident memory (VmRSS) over the soak, sampled twice a second,
/// and the figures the soak checks.
///
/// The growth compared is from the first window of the run to the last, each
/// a fifth of the run and at most a minute (the first minute and the last of
/// `make soak`; 6 s each of the 30-second run). Each window is taken at its
/// median: a memory-cap request holds up to 16 MiB while it runs, and any
/// sample may catch one or two of them in flight, so the highest samples of
/// two windows could differ by 32 MiB with no leak at all, and the first
/// window's lowest ones are from before the states were made; a leak raises
/// the median.
struct ResidentMemory {
    struct Sample {
        /// Since the load began.
        let seconds: Double
        let kib: Int
    }

    /// Before the load: the idle server.
    let idleKiB: Int
    private(set) var samples: [Sample] = []

    init(idleKiB: Int) {
        self.idleKiB = idleKiB
    }

    mutating func record(seconds: Double, kib: Int) {
        samples.append(Sample(seconds: seconds, kib: kib))
    }

    struct Figures {
        let window: Double
        /// The median of the first window's samples.
        let first: Int
        /// The median of the last window's samples.
        let last: Int
        let min: Int
        let max: Int
        let count: Int
        var growth: Int { last - first }
    }

    /// The figures of a run of `duration` seconds; nil without a sample in both windows.
    func figures(duration: Double) -> Figures? {
        let window = Swift.min(60, duration / 5)
        guard let first = Self.median(samples.filter { $0.seconds <= window }.map(\.kib)),
            let last = Self.median(samples.filter { $0.seconds >= duration - window }.map(\.kib)),
            let low = samples.map(\.kib).min(), let high = samples.map(\.kib).max()
        else { return nil }
        return Figures(window: window, first: first, last: last, min: low, max: high, count: samples.count)
    }

    /// The middle value (the lower one of the two middle values of an even count).
    private static func median(_ values: [Int]) -> Int? {
        values.isEmpty ? nil : values.sorted()[(values.count - 1) / 2]
    }
}
