#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bookkeeping and decisions of the script pool (SPEC §3.2), without Lua,
/// locks or clocks: time comes in as seconds, so tests drive it by hand.
///
/// Each slot is one Lua state (or one being created) holding one script.
/// Rules, in order, when a request for script S arrives:
/// 1. an idle slot of S is taken (the most recently used, whose caches are warm);
/// 2. else, if S has fewer than `clones` slots and the pool fewer than `states`,
///    a new slot is reserved;
/// 3. else, if S has fewer than `clones` slots and some slot is idle, the least
///    valuable idle slot is evicted and a new one reserved in its place;
/// 4. else the request waits until a slot is released or removed.
///
/// Value, for eviction: popularity and aging in one number, the count of
/// requests a slot served, each decaying with a half-life of
/// `popularityHalfLife` seconds since it was served:
/// `value = Σ 2^(−age_i / halfLife)`, kept incrementally as
/// `value(now) = value(lastUsed) · 2^(−(now − lastUsed) / halfLife)`.
/// A slot that served few requests lately, or has idled long, is worth least;
/// on equal value the longer idle goes first.
struct ScriptPoolPolicy {
    struct Slot: Equatable {
        let id: Int
        let script: String
        var busy: Bool
        /// Decayed request count as of `lastUsed`.
        var popularity: Double
        var lastUsed: Double
        /// The script changed while the slot was busy: close it on release.
        var stale: Bool
    }

    enum Decision: Equatable {
        /// Use the idle slot `id`.
        case reuse(id: Int)
        /// Create a state for the new slot `id`, after closing `evicting` if set.
        case create(id: Int, evicting: Int?)
        /// Nothing can be had now; try again when something was released.
        case wait
    }

    private(set) var capacity: Int
    private(set) var clonesPerScript: Int
    let popularityHalfLife: Double

    private(set) var slots: [Int: Slot] = [:]
    /// The ids of each script's slots: a request looks at its own script's slots only.
    private var idsByScript: [String: [Int]] = [:]
    private var nextID = 1

    init(capacity: Int, clonesPerScript: Int, popularityHalfLife: Double = 60) {
        self.capacity = capacity
        self.clonesPerScript = min(clonesPerScript, capacity)
        self.popularityHalfLife = popularityHalfLife
    }

    /// New bounds (a reload): slots over them are not taken away here; the pool
    /// shrinks as they are released, retired or evicted.
    mutating func resize(capacity: Int, clonesPerScript: Int) {
        self.capacity = capacity
        self.clonesPerScript = min(clonesPerScript, capacity)
    }

    /// Slots (busy, idle or being created) holding `script`.
    func count(of script: String) -> Int {
        idsByScript[script]?.count ?? 0
    }

    /// The ids of the slots holding `script`.
    func ids(of script: String) -> [Int] {
        idsByScript[script] ?? []
    }

    /// Decides how a request for `script` gets a state; a reused or created slot is busy afterwards.
    mutating func acquire(script: String, now: Double) -> Decision {
        let own = ids(of: script)
        var newestIdle: Slot?
        for id in own {
            guard let slot = slots[id], !slot.busy else { continue }
            if newestIdle == nil || slot.lastUsed > newestIdle!.lastUsed { newestIdle = slot }
        }
        if let idle = newestIdle {
            slots[idle.id]?.busy = true
            return .reuse(id: idle.id)
        }
        guard own.count < clonesPerScript else { return .wait }
        if slots.count < capacity {
            return .create(id: reserve(script: script, now: now), evicting: nil)
        }
        guard let victim = leastValuableIdle(now: now) else { return .wait }
        forget(victim)
        return .create(id: reserve(script: script, now: now), evicting: victim)
    }

    /// Ends a lease: the slot becomes idle, or is dropped when `keep` is false or it went stale.
    /// Returns whether the slot is still in the pool.
    @discardableResult
    mutating func release(id: Int, keep: Bool, now: Double) -> Bool {
        guard var slot = slots[id] else { return false }
        guard keep, !slot.stale else {
            forget(id)
            return false
        }
        slot.popularity = value(of: slot, now: now) + 1
        slot.lastUsed = now
        slot.busy = false
        slots[id] = slot
        return true
    }

    /// Drops a slot whatever its state (a state that failed to load, say).
    mutating func remove(id: Int) {
        forget(id)
    }

    /// Marks the slots in `ids` stale: idle ones are dropped and returned, busy ones go on release.
    mutating func retire(ids: [Int]) -> [Int] {
        var dropped: [Int] = []
        for id in ids {
            guard let slot = slots[id] else { continue }
            if slot.busy {
                slots[id]?.stale = true
            } else {
                forget(id)
                dropped.append(id)
            }
        }
        return dropped
    }

    /// The popularity of `slot` decayed to `now`.
    func value(of slot: Slot, now: Double) -> Double {
        slot.popularity * Self.decay(elapsed: now - slot.lastUsed, halfLife: popularityHalfLife)
    }

    private func leastValuableIdle(now: Double) -> Int? {
        slots.values.filter { !$0.busy }.min { a, b in
            let (va, vb) = (value(of: a, now: now), value(of: b, now: now))
            return va != vb ? va < vb : a.lastUsed < b.lastUsed
        }?.id
    }

    private mutating func reserve(script: String, now: Double) -> Int {
        let id = nextID
        nextID += 1
        slots[id] = Slot(id: id, script: script, busy: true, popularity: 0, lastUsed: now, stale: false)
        idsByScript[script, default: []].append(id)
        return id
    }

    private mutating func forget(_ id: Int) {
        guard let slot = slots.removeValue(forKey: id) else { return }
        idsByScript[slot.script]?.removeAll { $0 == id }
        if idsByScript[slot.script]?.isEmpty == true { idsByScript[slot.script] = nil }
    }

    private static func decay(elapsed: Double, halfLife: Double) -> Double {
        guard elapsed > 0 else { return 1 }
        return exp2(-elapsed / halfLife)
    }
}
