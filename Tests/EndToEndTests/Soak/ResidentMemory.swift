/// luafcgid's resident memory (VmRSS) over the soak, sampled about once a
/// second, and the figures the soak checks.
///
/// The growth compared is from the first window of the run to the last, each
/// a fifth of the run and at most a minute (the first minute and the last of
/// `make soak`; 6 s each of the 30-second run). Each window is taken at its
/// highest sample: the memory workload makes 16 MiB peaks that come and go,
/// so two single samples could compare a peak with a trough, while a leak
/// raises the last window's peak above the first's.
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
        /// The highest sample of the first window.
        let first: Int
        /// The highest sample of the last window.
        let last: Int
        let min: Int
        let max: Int
        let count: Int
        var growth: Int { last - first }
    }

    /// The figures of a run of `duration` seconds; nil without a sample in both windows.
    func figures(duration: Double) -> Figures? {
        let window = Swift.min(60, duration / 5)
        guard let first = samples.filter({ $0.seconds <= window }).map(\.kib).max(),
            let last = samples.filter({ $0.seconds >= duration - window }).map(\.kib).max(),
            let low = samples.map(\.kib).min(), let high = samples.map(\.kib).max()
        else { return nil }
        return Figures(window: window, first: first, last: last, min: low, max: high, count: samples.count)
    }
}
