/// The shared store's numbers for the status page.
struct SharedStoreStatistics: Equatable, Sendable {
    /// Live entries (an expired one counts until it is removed).
    var entries = 0
    /// Bytes the entries count for (`SharedStore.entryOverhead` each, plus key and value).
    var bytes = 0
    /// The capacity in bytes, from the `shared` setting.
    var capacity = 0
    /// Entries removed to make room since the server started.
    var evictions = 0
    /// Entries removed because their time to live ran out.
    var expirations = 0
}
