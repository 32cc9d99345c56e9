/// One slot of the shared store: an entry and its links in the LRU list.
///
/// The list is intrusive, by slot index, so moving an entry to the front and
/// evicting the back are O(1) without allocating.
struct SharedEntry {
    var key: [UInt8]
    var value: SharedValue
    /// When it expires; nil: never.
    var expiry: ContinuousClock.Instant?
    /// The more recently used neighbour; nil at the front.
    var newer: Int?
    /// The less recently used neighbour; nil at the back.
    var older: Int?

    /// The bytes it counts for in the capacity.
    var size: Int { SharedStore.size(key: key, value: value) }

    func isExpired(at now: ContinuousClock.Instant) -> Bool {
        expiry.map { $0 <= now } ?? false
    }
}
