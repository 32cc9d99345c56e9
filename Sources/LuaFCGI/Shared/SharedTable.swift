/// The shared store's contents without the lock: key → slot, the slots, and an
/// LRU list through them (front = most recently used). `SharedStore` guards it.
///
/// Every operation is O(1) except `keys` and `expire` (a pass over the slots)
/// and eviction, which removes as many entries from the back as room requires.
struct SharedTable {
    private var slots: [SharedEntry?] = []
    private var freeSlots: [Int] = []
    private var index: [[UInt8]: Int] = [:]
    private var front: Int?
    private var back: Int?
    private(set) var statistics: SharedStoreStatistics

    init(capacity: Int) {
        statistics = SharedStoreStatistics(capacity: capacity)
    }

    /// The live value of `key`, which becomes the most recently used; an expired one is removed.
    mutating func get(_ key: [UInt8], now: ContinuousClock.Instant) -> SharedValue? {
        guard let slot = liveSlot(key, now: now) else { return nil }
        moveToFront(slot)
        return slots[slot]!.value
    }

    /// Whether `key` has a live value (without touching the LRU order).
    mutating func contains(_ key: [UInt8], now: ContinuousClock.Instant) -> Bool {
        liveSlot(key, now: now) != nil
    }

    /// Stores `value` under `key` as the most recently used entry, evicting from the back for room.
    mutating func set(
        _ key: [UInt8], _ value: SharedValue, expiry: ContinuousClock.Instant?
    ) throws(SharedStoreError) {
        let size = SharedStore.size(key: key, value: value)
        guard size <= statistics.capacity else { throw .tooLarge(bytes: size, capacity: statistics.capacity) }
        if let slot = index[key] { remove(slot) }
        evict(toFit: statistics.capacity - size)
        let slot = freeSlots.popLast() ?? { slots.append(nil); return slots.count - 1 }()
        slots[slot] = SharedEntry(key: key, value: value, expiry: expiry, newer: nil, older: nil)
        index[key] = slot
        link(slot)
        statistics.entries += 1
        statistics.bytes += size
    }

    /// The expiry of the live entry `key` (nil also when it never expires).
    func expiry(of key: [UInt8]) -> ContinuousClock.Instant? {
        index[key].flatMap { slots[$0]!.expiry }
    }

    /// Removes `key`; whether it had a live value.
    mutating func delete(_ key: [UInt8], now: ContinuousClock.Instant) -> Bool {
        guard let slot = liveSlot(key, now: now) else { return false }
        remove(slot)
        return true
    }

    /// The keys with live values, in slot order (no particular order).
    func keys(now: ContinuousClock.Instant) -> [[UInt8]] {
        slots.compactMap { entry in entry.flatMap { $0.isExpired(at: now) ? nil : $0.key } }
    }

    /// Removes every expired entry; how many.
    mutating func expire(now: ContinuousClock.Instant) -> Int {
        var removed = 0
        for slot in slots.indices where slots[slot]?.isExpired(at: now) == true {
            remove(slot)
            removed += 1
        }
        statistics.expirations += removed
        return removed
    }

    /// Sets the capacity, evicting least recently used entries until the rest fits.
    mutating func resize(capacity: Int) {
        statistics.capacity = capacity
        evict(toFit: capacity)
    }

    // MARK: The slots and the list

    /// The slot of `key` if its value is live; an expired entry is removed here.
    private mutating func liveSlot(_ key: [UInt8], now: ContinuousClock.Instant) -> Int? {
        guard let slot = index[key] else { return nil }
        guard !slots[slot]!.isExpired(at: now) else {
            remove(slot)
            statistics.expirations += 1
            return nil
        }
        return slot
    }

    /// Evicts from the back until the entries take at most `limit` bytes.
    private mutating func evict(toFit limit: Int) {
        while statistics.bytes > limit, let last = back {
            remove(last)
            statistics.evictions += 1
        }
    }

    private mutating func remove(_ slot: Int) {
        let entry = slots[slot]!
        unlink(slot)
        index[entry.key] = nil
        slots[slot] = nil
        freeSlots.append(slot)
        statistics.entries -= 1
        statistics.bytes -= entry.size
    }

    private mutating func moveToFront(_ slot: Int) {
        guard front != slot else { return }
        unlink(slot)
        link(slot)
    }

    /// Puts the unlinked `slot` at the front.
    private mutating func link(_ slot: Int) {
        slots[slot]!.newer = nil
        slots[slot]!.older = front
        if let front { slots[front]!.newer = slot }
        front = slot
        if back == nil { back = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let newer = slots[slot]!.newer, older = slots[slot]!.older
        if let newer { slots[newer]!.older = older } else { front = older }
        if let older { slots[older]!.newer = newer } else { back = newer }
        slots[slot]!.newer = nil
        slots[slot]!.older = nil
    }
}
