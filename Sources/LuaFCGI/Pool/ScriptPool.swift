import Foundation

/// What the pool needs to know of a state: which version of its script it holds.
protocol PooledState: AnyObject {
    var signature: FileSignature { get }
}

/// The pool of Lua states (SPEC §3.2): thread-safe around `ScriptPoolPolicy`.
///
/// The lock guards only bookkeeping; states are created, run and closed by the
/// worker holding the lease, outside the lock. A state is used by one worker at
/// a time — the lease is that guarantee, which is why the class can be
/// `@unchecked Sendable` while the states in it are not `Sendable`.
final class ScriptPool<State: PooledState>: @unchecked Sendable {
    /// A worker's hold on one slot of the pool.
    struct Lease {
        let id: Int
        let script: String
        /// The state to run; nil when the worker must create one (and `attach` it).
        var state: State?
        /// States the pool let go of to make room or because they were stale;
        /// the worker drops them outside the lock, which closes them.
        var dropped: [State]
    }

    /// What the pool did with states, for the status page (SPEC §6); lives as long as the pool.
    struct Counters: Sendable, Equatable {
        /// States created (a script's chunk run).
        var loads = 0
        /// Idle states closed to make room for another script's.
        var evictions = 0
        /// States let go because their script or a file they loaded changed, or
        /// because housekeeping or a reload asked (`sweep`).
        var reloads = 0
    }

    /// The states alive, for the status page: per script, how many and their Lua heap bytes.
    struct Inventory: Sendable, Equatable {
        struct Script: Sendable, Equatable {
            var states = 0
            var memoryBytes = 0
        }

        var alive: Int
        var scripts: [String: Script]
    }

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var counted = Counters()
    private var policy: ScriptPoolPolicy
    private var states: [Int: State] = [:]
    private var isClosed = false
    /// Requests waiting in `acquire`: a release wakes them only when there are some.
    private var waiters = 0
    private let now: @Sendable () -> Double

    /// - Parameter now: seconds on a monotonic clock; injected by tests.
    init(capacity: Int, clonesPerScript: Int, now: @escaping @Sendable () -> Double = monotonicSeconds) {
        policy = ScriptPoolPolicy(capacity: capacity, clonesPerScript: clonesPerScript)
        self.now = now
    }

    /// Takes a state for `script` at `signature`, blocking while none can be had.
    /// Idle states of an older version of the script are dropped first.
    /// Returns nil once the pool is closed.
    func acquire(script: String, signature: FileSignature) -> Lease? {
        condition.lock()
        defer { condition.unlock() }
        var dropped: [State] = []
        let own = policy.ids(of: script)
        if own.contains(where: { policy.slots[$0]?.busy == false && states[$0]?.signature != signature }) {
            let outdated = own.filter { policy.slots[$0]?.busy == false && states[$0]?.signature != signature }
            for id in policy.retire(ids: outdated) {
                if let state = states.removeValue(forKey: id) { dropped.append(state) }
                counted.reloads += 1
            }
        }
        while !isClosed {
            switch policy.acquire(script: script, now: now()) {
            case .reuse(let id):
                return Lease(id: id, script: script, state: states[id], dropped: dropped)
            case .create(let id, let evicting):
                if let evicting, let state = states.removeValue(forKey: evicting) {
                    dropped.append(state)
                    counted.evictions += 1
                }
                return Lease(id: id, script: script, state: nil, dropped: dropped)
            case .wait:
                waiters += 1
                condition.wait()
                waiters -= 1
            }
        }
        return nil
    }

    /// Records the state a worker created for its lease.
    func attach(_ state: State, to lease: inout Lease) {
        condition.lock()
        states[lease.id] = state
        counted.loads += 1
        condition.unlock()
        lease.state = state
    }

    /// Ends a lease. With `keep` false (or when the script changed meanwhile) the
    /// state leaves the pool; it is returned so the caller drops it outside the lock.
    @discardableResult
    func release(_ lease: Lease, keep: Bool) -> State? {
        condition.lock()
        defer {
            if waiters > 0 { condition.broadcast() }
            condition.unlock()
        }
        let stale = policy.slots[lease.id]?.stale == true
        if policy.release(id: lease.id, keep: keep && !isClosed, now: now()) { return nil }
        let removed = states.removeValue(forKey: lease.id)
        if stale, removed != nil { counted.reloads += 1 }
        return removed
    }

    /// Housekeeping (SPEC §3.7): closes idle states for which `isCurrent` is false;
    /// busy ones are marked and go when released. `isCurrent` runs outside the lock.
    /// Returns the states let go, for the caller to drop.
    func sweep(isCurrent: (State) -> Bool) -> [State] {
        condition.lock()
        let snapshot = states
        condition.unlock()
        let stale = snapshot.filter { !isCurrent($0.value) }.map(\.key)
        guard !stale.isEmpty else { return [] }
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        let dropped = policy.retire(ids: stale).compactMap { states.removeValue(forKey: $0) }
        counted.reloads += dropped.count
        return dropped
    }

    /// A reload (SPEC §6): new bounds, and every state goes — idle ones now (returned,
    /// for the caller to drop), busy ones when released — so each script loads afresh
    /// under the new configuration. Requests waiting for a state are woken to look again.
    func renew(capacity: Int, clonesPerScript: Int) -> [State] {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        policy.resize(capacity: capacity, clonesPerScript: clonesPerScript)
        let dropped = policy.retire(ids: Array(policy.slots.keys)).compactMap { states.removeValue(forKey: $0) }
        counted.reloads += dropped.count
        return dropped
    }

    /// Closes the pool: waiting and later `acquire` calls return nil, and every idle state is let go.
    func close() -> [State] {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        isClosed = true
        let idle = policy.slots.values.filter { !$0.busy }.map(\.id)
        return policy.retire(ids: idle).compactMap { states.removeValue(forKey: $0) }
    }

    /// States alive or being created.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return policy.slots.count
    }

    /// What the pool did so far.
    var counters: Counters {
        condition.lock()
        defer { condition.unlock() }
        return counted
    }

    /// The states alive, each script's counted by `memoryBytes` (called under the
    /// pool's lock, so no state in the pool is closed meanwhile; it must not block).
    /// A slot whose state is still being created counts as a state of 0 bytes.
    func inventory(memoryBytes: (State) -> Int) -> Inventory {
        condition.lock()
        defer { condition.unlock() }
        var scripts: [String: Inventory.Script] = [:]
        for slot in policy.slots.values {
            scripts[slot.script, default: .init()].states += 1
            scripts[slot.script, default: .init()].memoryBytes += states[slot.id].map(memoryBytes) ?? 0
        }
        return Inventory(alive: policy.slots.count, scripts: scripts)
    }

    /// The number of states holding `script`.
    func count(of script: String) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return policy.count(of: script)
    }
}

private let processStart = ContinuousClock.now

/// Seconds since the process started, on a monotonic clock.
func monotonicSeconds() -> Double {
    (ContinuousClock.now - processStart).inSeconds
}
