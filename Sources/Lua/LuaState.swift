import CLua

/// One Lua universe: a `lua_State` with its own counting allocator.
///
/// Not `Sendable`: a state is used by one thread at a time, which the owner
/// (the engine's pool) guarantees by leasing it. Stack-level methods mirror the
/// C API and say what they push or pop; none of them raises a Lua error into
/// Swift: allocations made while Swift drives the state never fail (see
/// `clua_Allocation`), and only `call` runs Lua code, in protected mode.
public final class LuaState {
    /// The raw `lua_State *` to work on, for code that talks to the C API directly:
    /// inside a Swift function called from Lua, the thread (coroutine) that called
    /// it; otherwise the main thread. Every stack method of the wrapper uses it.
    public var pointer: OpaquePointer { allocationState.pointee.running ?? mainThread }
    /// The state's main thread (`lua_newstate`), which owns the state.
    public let mainThread: OpaquePointer
    /// The allocator's bookkeeping; `internal` so `call` can let Lua code hit the limit.
    let allocationState: UnsafeMutablePointer<clua_Allocation>

    /// Anything the owner wants to find again from a Swift function called by
    /// Lua (see `LuaState.current(_:)`), e.g. the request being served.
    public var context: AnyObject?

    /// A new empty state. `memoryLimit` (bytes, 0 = none) caps what Lua code may allocate.
    public init(memoryLimit: Int = 0) throws(LuaError) {
        allocationState = .allocate(capacity: 1)
        allocationState.initialize(to: clua_Allocation(used: 0, limit: 0, swiftActive: 1, exceeded: 0, running: nil))
        guard let state = clua_newstate(allocationState) else {
            allocationState.deallocate()
            throw .stateCreation
        }
        mainThread = state
        allocationState.pointee.limit = memoryLimit > 0 ? Int(memoryLimit) : 0
        clua_getextraspace(state).storeBytes(
            of: Unmanaged.passUnretained(self).toOpaque(), as: UnsafeMutableRawPointer.self)
    }

    deinit {
        lua_close(mainThread)
        allocationState.deallocate()
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
    }

    /// Bytes the state has allocated and not freed.
    public var memoryInUse: Int { Int(allocationState.pointee.used) }

    /// Whether an allocation ever went past the memory limit; such a state should not be reused.
    public var exceededMemoryLimit: Bool { allocationState.pointee.exceeded != 0 }

    /// Runs a full garbage collection cycle.
    public func collectGarbage() {
        reserve(2)
        clua_gc_collect(pointer)
    }
}
