import CLua

/// The slow deadline: past it, the state reports once where its Lua code is
/// (luafcgid's `slowlog`), and the code goes on.
///
/// The report is taken inside the VM: the limits' count hook reads the clock
/// every `CLUA_LIMITS_HOOK_COUNT` instructions and, once the slow deadline
/// passed, builds a traceback of the running thread and hands it to
/// `slowHandler`. The hook does not run while one C function runs (a long
/// `string.rep`, a blocking read); Swift functions that wait outside the VM
/// call `reportIfSlow()` when they are done; whatever else passes the deadline
/// where no report can be taken is for the owner to tell by the clock.
extension LuaState {
    /// Sets the slow deadline `duration` from now (at most once reported); nil
    /// clears it. Needs `timeLimited`.
    public func setSlowDeadline(after duration: Duration?) {
        guard let duration else {
            limits.pointee.slowDeadline = 0
            return
        }
        precondition(isLimited, "Lua: a slow deadline needs a state created with timeLimited")
        clua_set_slow_deadline(limits, Self.nanoseconds(duration))
    }

    /// From a Swift function called by Lua: reports now, with a traceback of the
    /// calling thread (the Swift function on top), if the slow deadline passed.
    /// For functions that may have waited long outside the VM. Never fails.
    public func reportIfSlow() {
        guard limits.pointee.slowDeadline != 0 else { return }
        reserve(8)
        clua_report_if_slow(pointer)
    }

    /// `clua_Limits.slowReport`: hands the traceback to the owning wrapper's `slowHandler`.
    static let reportSlow: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> Void = { L, traceback, length in
        guard let L, let traceback else { return }
        let text = String(decoding: UnsafeRawBufferPointer(start: traceback, count: length), as: UTF8.self)
        LuaState.current(L).slowHandler?(text)
    }
}
