import Logging
import Lua

/// Logs a request whose Lua work runs longer than `slowlog` (SPEC §2), once,
/// with a traceback of where its code is, taken inside the VM: no ptrace, no
/// second thread reading the state (docs/ARCHITECTURE.md, "slowlog").
///
/// Made by the runner where the watchdog starts counting (the preload, the
/// chunk of a new state and the handler share it); `arm` gives the state the
/// deadline while its Lua code runs, and the state's count hook, or a `con`
/// method that waited outside the VM, reports through `report`. `finish`, at the
/// end of the request, logs one that passed `slowlog` where no traceback could
/// be taken: inside one long C call, or outside Lua code. One worker thread only.
final class SlowRequestWatch {
    private let script: String
    /// How the log names the request: REQUEST_URI, else SCRIPT_NAME.
    private let request: String
    private let threshold: Duration
    /// `slowlog` as the config file says it, for the log: `2`, `0.5`.
    private let setting: String
    private let start: ContinuousClock.Instant
    private let logger: Logger
    /// Whether the request was logged; it is logged at most once.
    private var reported = false

    init(
        script: String, request: String, threshold: Duration, setting: String, start: ContinuousClock.Instant,
        logger: Logger
    ) {
        self.script = script
        self.request = request
        self.threshold = threshold
        self.setting = setting
        self.start = start
        self.logger = logger
    }

    /// Gives `lua` the slow deadline (already passed: it reports at its next look),
    /// unless the request was logged. Needs a state with the count hook (`ScriptLimits.isTimeLimited`).
    func arm(_ lua: LuaState) {
        guard !reported else { return }
        lua.slowHandler = { [self] traceback in report(where: traceback) }
        lua.setSlowDeadline(after: start + threshold - .now)
    }

    /// Takes the deadline back once the state's Lua code for this request is done.
    func disarm(_ lua: LuaState) {
        lua.setSlowDeadline(after: nil)
        lua.slowHandler = nil
    }

    /// Logs a request that passed `slowlog` without a report: the time went by
    /// where the hook cannot look.
    func finish() {
        guard !reported, ContinuousClock.now - start >= threshold else { return }
        reported = true
        logger.warning(
            "slow: \(script) (\(request)) ran \(Self.seconds(ContinuousClock.now - start)) s (slowlog = \(setting)); no traceback: it passed slowlog inside one C call or outside Lua code (waiting for the request body or the client)")
    }

    /// Called by the state's hook, inside the VM: logs and never raises.
    private func report(where traceback: String) {
        reported = true
        logger.warning(
            "slow: \(script) (\(request)) has run \(Self.seconds(ContinuousClock.now - start)) s (slowlog = \(setting)), still running; where it is:\n\(traceback)")
    }

    /// A duration in seconds with one decimal: `2.0`.
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10 + (attoseconds + 50_000_000_000_000_000) / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
