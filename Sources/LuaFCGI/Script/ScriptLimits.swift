/// What one Lua state may use (SPEC §2 `watchdog`, `memory`, `maxcount`), and
/// when its request is logged as slow (`slowlog`).
///
/// The first two are enforced inside the VM (`LuaState`'s count hook and
/// allocator): a state that hits either is spent and closed. `maxCount`
/// retires a state after that many requests, so its chunk runs afresh.
/// `slowLog` needs the count hook too (`SlowRequestWatch`).
struct ScriptLimits: Sendable, Equatable {
    /// How long one request's Lua code may run, the chunk included; nil for no limit.
    var watchdog: Duration?
    /// Bytes one state may hold; 0 for no limit.
    var memoryBytes: Int
    /// Requests one state serves before it is retired; 0 for never.
    var maxCount: Int
    /// How long a request's Lua code runs before it is logged as slow; nil for never.
    var slowLog: Duration?

    init(watchdog: Duration?, memoryBytes: Int, maxCount: Int, slowLog: Duration? = nil) {
        self.watchdog = watchdog
        self.memoryBytes = memoryBytes
        self.maxCount = maxCount
        self.slowLog = slowLog
    }

    /// Whether a state needs the count hook's clock: for `watchdog` or `slowlog`.
    var isTimeLimited: Bool { watchdog != nil || slowLog != nil }

    init(configuration: Configuration) {
        self.init(
            watchdog: configuration.watchdogSeconds > 0 ? .milliseconds(Int64(configuration.watchdogSeconds * 1000)) : nil,
            memoryBytes: configuration.memoryMiB * 1 << 20,
            maxCount: configuration.maxCount,
            slowLog: configuration.slowLogSeconds > 0 ? .milliseconds(Int64(configuration.slowLogSeconds * 1000)) : nil)
    }
}
