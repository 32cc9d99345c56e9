import Synchronization

/// The key/value store shared by every Lua state of the process (SPEC §4.3,
/// `require("luafcgid").shared`).
///
/// `Server` owns it, so it survives a reload; a reload that changes `shared`
/// resizes it. Thread-safe: one lock around a `SharedTable`, held only for the
/// operation itself (no Lua runs under it), so `incr` is atomic. Bounded by bytes:
/// an entry counts `entryOverhead` plus its key and value bytes, and when a new
/// entry would exceed the capacity the least recently used entries go (`get` and
/// `set` count as use). An entry with a time to live is never returned after it
/// expired; it leaves the table when touched or at housekeeping (`expire`).
final class SharedStore: Sendable {
    /// What every entry counts for besides its key and value: an estimate of the
    /// slot, the dictionary entry and the two array headers it costs.
    static let entryOverhead = 64

    private let table: Mutex<SharedTable>
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// - Parameter clock: the monotonic time expiry is measured with (tests pass their own).
    init(capacityBytes: Int, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        table = Mutex(SharedTable(capacity: capacityBytes))
        self.clock = clock
    }

    /// A store of `megabytes` MiB (the `shared` setting).
    convenience init(megabytes: Int) {
        self.init(capacityBytes: Self.bytes(megabytes: megabytes))
    }

    static func bytes(megabytes: Int) -> Int { max(0, megabytes) << 20 }

    /// The bytes an entry of `key` and `value` counts for.
    static func size(key: [UInt8], value: SharedValue) -> Int {
        entryOverhead + key.count + value.byteCount
    }

    var statistics: SharedStoreStatistics { table.withLock { $0.statistics } }

    func get(_ key: [UInt8]) -> SharedValue? {
        let now = clock()
        return table.withLock { $0.get(key, now: now) }
    }

    /// Stores `value` (nil deletes) for `ttl` (nil: no expiry).
    func set(_ key: [UInt8], _ value: SharedValue?, ttl: Duration? = nil) throws(SharedStoreError) {
        let now = clock()
        try table.withLock { (table) throws(SharedStoreError) in
            guard let value else {
                _ = table.delete(key, now: now)
                return
            }
            try table.set(key, value, expiry: ttl.map { now + $0 })
        }
    }

    /// Stores `value` only if `key` has no live value; whether it did.
    func add(_ key: [UInt8], _ value: SharedValue, ttl: Duration? = nil) throws(SharedStoreError) -> Bool {
        let now = clock()
        return try table.withLock { (table) throws(SharedStoreError) -> Bool in
            guard !table.contains(key, now: now) else { return false }
            try table.set(key, value, expiry: ttl.map { now + $0 })
            return true
        }
    }

    /// Adds `delta` to the number under `key`, atomically, and returns the new value.
    /// An absent key starts from `initial` (then `ttl` applies); without it, `.notFound`.
    /// An existing entry keeps its expiry. Integer plus integer stays an integer
    /// (`.overflow` past 64 bits); a float on either side gives a float.
    func incr(
        _ key: [UInt8], by delta: SharedValue, initial: SharedValue? = nil, ttl: Duration? = nil
    ) throws(SharedStoreError) -> SharedValue {
        let now = clock()
        return try table.withLock { (table) throws(SharedStoreError) -> SharedValue in
            let expiry: ContinuousClock.Instant?
            let base: SharedValue
            if let current = table.get(key, now: now) {
                base = current
                expiry = table.expiry(of: key)
            } else if let initial {
                base = initial
                expiry = ttl.map { now + $0 }
            } else {
                throw .notFound
            }
            let sum = try Self.add(base, delta)
            try table.set(key, sum, expiry: expiry)
            return sum
        }
    }

    /// Removes `key`; whether it had a live value.
    @discardableResult
    func delete(_ key: [UInt8]) -> Bool {
        let now = clock()
        return table.withLock { $0.delete(key, now: now) }
    }

    /// The live keys, in no particular order.
    func keys() -> [[UInt8]] {
        let now = clock()
        return table.withLock { $0.keys(now: now) }
    }

    /// Removes the expired entries (housekeeping); how many.
    @discardableResult
    func expire() -> Int {
        let now = clock()
        return table.withLock { $0.expire(now: now) }
    }

    /// Sets the capacity, evicting least recently used entries down to it.
    func resize(capacityBytes: Int) {
        table.withLock { $0.resize(capacity: capacityBytes) }
    }

    private static func add(_ base: SharedValue, _ delta: SharedValue) throws(SharedStoreError) -> SharedValue {
        switch (base, delta) {
        case (.integer(let a), .integer(let b)):
            let (sum, overflow) = a.addingReportingOverflow(b)
            if overflow { throw .overflow }
            return .integer(sum)
        case (.integer(let a), .float(let b)): return .float(Double(a) + b)
        case (.float(let a), .integer(let b)): return .float(a + Double(b))
        case (.float(let a), .float(let b)): return .float(a + b)
        default: throw .notANumber
        }
    }
}
