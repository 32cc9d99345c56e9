/// What one Lua state may use (SPEC §2 `watchdog`, `memory`, `maxcount`).
///
/// The first two are enforced inside the VM (`LuaState`'s count hook and
/// allocator): a state that hits either is spent and closed. `maxCount`
/// retires a state after that many requests, so its chunk runs afresh.
struct ScriptLimits: Sendable, Equatable {
    /// How long one request's Lua code may run, the chunk included; nil for no limit.
    var watchdog: Duration?
    /// Bytes one state may hold; 0 for no limit.
    var memoryBytes: Int
    /// Requests one state serves before it is retired; 0 for never.
    var maxCount: Int

    init(watchdog: Duration?, memoryBytes: Int, maxCount: Int) {
        self.watchdog = watchdog
        self.memoryBytes = memoryBytes
        self.maxCount = maxCount
    }

    init(configuration: Configuration) {
        self.init(
            watchdog: configuration.watchdogSeconds > 0 ? .milliseconds(Int64(configuration.watchdogSeconds * 1000)) : nil,
            memoryBytes: configuration.memoryMiB * 1 << 20,
            maxCount: configuration.maxCount)
    }
}
