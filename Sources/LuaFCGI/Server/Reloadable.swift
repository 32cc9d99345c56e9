import Synchronization

/// What a reload replaces while it is in use (SPEC §6, SIGHUP): the request
/// runner the workers call, the settings a listener shares with the connections
/// it accepted. Each user reads the current value when it starts something — a
/// request — so kept-alive connections opened before a reload follow the new
/// configuration too, and a request already running keeps what it started with.
final class Reloadable<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    /// The value now.
    var current: Value {
        value.withLock { $0 }
    }

    /// Puts `newValue` in place for whatever reads next.
    func replace(with newValue: Value) {
        value.withLock { $0 = newValue }
    }
}
