import CLua

/// One Lua universe: a `lua_State` with its own counting allocator, and
/// optionally limits on what its Lua code may use: a memory cap and a deadline.
///
/// Not `Sendable`: a state is used by one thread at a time, which the owner
/// (the engine's pool) guarantees by leasing it. Stack-level methods mirror the
/// C API and say what they push or pop; none of them raises a Lua error into
/// Swift: allocations made while Swift drives the state never fail (see
/// `clua_Limits`), and only `call` runs Lua code, in protected mode.
///
/// A state with limits stops its Lua code when the deadline passes or the cap
/// is reached for good, in a way a script's `pcall` cannot catch; `call` then
/// throws `.timeout` or `.memory`, and the state is spent: its owner must close
/// it (`isSpent`).
public final class LuaState {
    /// The raw `lua_State *` to work on, for code that talks to the C API directly:
    /// inside a Swift function called from Lua, the thread (coroutine) that called
    /// it; otherwise the main thread. Every stack method of the wrapper uses it.
    public var pointer: OpaquePointer { limits.pointee.running ?? mainThread }
    /// The state's main thread (`lua_newstate`), which owns the state.
    public let mainThread: OpaquePointer
    /// The allocator's and the hook's bookkeeping; `internal` so `call` can let Lua code hit the limits.
    let limits: UnsafeMutablePointer<clua_Limits>
    /// Whether the limits' hook is installed.
    let isLimited: Bool

    /// Anything the owner wants to find again from a Swift function called by
    /// Lua (see `LuaState.current(_:)`), e.g. the request being served.
    public var context: AnyObject?

    /// Called with a traceback of where the Lua code is when the slow deadline
    /// passed (`setSlowDeadline(after:)`), on the state's thread, from inside the
    /// VM: it must not use the state.
    public var slowHandler: ((String) -> Void)?

    /// A new empty state.
    ///
    /// - Parameters:
    ///   - memoryLimit: bytes (0 = none) that the state may hold while Lua code
    ///     runs; allocations past it fail, and one that fails even after a full
    ///     collection stops the code for good.
    ///   - timeLimited: whether `setDeadline(after:)` or `setSlowDeadline(after:)`
    ///     will be used. Either limit
    ///     installs a count hook, which costs Lua code a check per instruction
    ///     (see `clua_limits_hook`) and replaces `debug.sethook`, which could remove it.
    public init(memoryLimit: Int = 0, timeLimited: Bool = false) throws(LuaError) {
        limits = .allocate(capacity: 1)
        limits.initialize(
            to: clua_Limits(
                used: 0, limit: 0, swiftActive: 1, refused: 0, exceeded: 0, running: nil, deadline: 0,
                stopped: CLUA_RUNNING, slowDeadline: 0, slowReport: Self.reportSlow))
        guard let state = clua_newstate(limits) else {
            limits.deallocate()
            throw .stateCreation
        }
        mainThread = state
        limits.pointee.limit = memoryLimit > 0 ? Int(memoryLimit) : 0
        isLimited = memoryLimit > 0 || timeLimited
        if isLimited { clua_install_limits_hook(state) }
        clua_getextraspace(state).storeBytes(
            of: Unmanaged.passUnretained(self).toOpaque(), as: UnsafeMutableRawPointer.self)
    }

    /// Closing runs the state's `__gc` finalizers, which are Lua code: they run
    /// under the memory cap. (Not under the deadline: Lua turns hooks off while a
    /// finalizer runs, so a finalizer that never returns holds the thread.)
    deinit {
        let reachedCap = limits.pointee.exceeded != 0
        limits.pointee.swiftActive = 0
        lua_close(mainThread)
        limits.deallocate()
        // A state that reached its cap may have left the C heap grown by up to
        // the cap in freed pages; give them back, so that runaway scripts do not
        // ratchet the process's RSS up.
        if reachedCap { clua_trim_heap() }
    }

    /// The wrapper that owns `L`, for Swift functions called from Lua.
    ///
    /// Only valid for states created by `LuaState` (the extra space holds an
    /// unretained pointer to the wrapper, which outlives every call into Lua).
    /// `L` may be any thread of the state: coroutines inherit the extra space.
    public static func current(_ L: OpaquePointer) -> LuaState {
        let raw = clua_getextraspace(L).load(as: UnsafeMutableRawPointer.self)
        return Unmanaged<LuaState>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Opens Lua's standard libraries (`luaL_openlibs`).
    public func openStandardLibraries() {
        reserve(8)
        luaL_openlibs(pointer)
        if isLimited { clua_install_limits_hook(pointer) }
    }

    /// Bytes the state has allocated and not freed. Safe to read from any thread
    /// while the state is alive (a relaxed atomic load: the status page reads it).
    public var memoryInUse: Int { Int(clua_limits_used(limits)) }

    /// Whether the state reached its memory cap for good: an allocation failed
    /// even after a full collection.
    public var reachedMemoryLimit: Bool { limits.pointee.exceeded != 0 }

    /// Whether its Lua code was stopped (deadline or memory cap) or it reached
    /// its memory cap: such a state must not be used again.
    public var isSpent: Bool {
        limits.pointee.stopped != CLUA_RUNNING || limits.pointee.exceeded != 0
    }

    /// Lua code that runs `duration` from now or later is stopped and its `call`
    /// throws `.timeout`; nil clears the deadline. Needs `timeLimited`.
    public func setDeadline(after duration: Duration?) {
        guard let duration else {
            limits.pointee.deadline = 0
            return
        }
        precondition(isLimited, "Lua: a deadline needs a state created with timeLimited")
        clua_set_deadline(limits, Self.nanoseconds(duration))
    }

    /// At least 1 ns: 0 would mean no deadline.
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return max(1, UInt64(clamping: seconds) &* 1_000_000_000 &+ UInt64(clamping: attoseconds / 1_000_000_000))
    }

    /// Runs a full garbage collection cycle.
    public func collectGarbage() {
        reserve(2)
        clua_gc_collect(pointer)
    }
}
