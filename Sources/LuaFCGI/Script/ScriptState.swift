import Lua
import NIOCore

/// One Lua state in the pool, holding one script (SPEC §3.2).
///
/// Creating it is the script's initialization: a fresh state with the standard
/// libraries, `require "luafcgid"`, the script's directory first on
/// `package.path`, the files it loads tracked, `os.exit` ending only the
/// request and `load` taking text only; then the script's chunk runs once.
/// Afterwards `handle` calls the handler for each request, and globals persist
/// between requests. Used by one worker at a time. The chunk and each handler
/// call run under `ScriptLimits`.
final class ScriptState: PooledState {
    let lua: LuaState
    let script: String
    let signature: FileSignature
    private let limits: ScriptLimits
    /// Requests handled so far.
    private(set) var served = 0
    /// Its script's counters for the status page, found once when the state is created
    /// (`RequestRunner`), so a request bumps them without a lookup.
    var statistics: ScriptStatistics?
    /// Reached by Swift functions called from Lua through `lua.context`.
    private let context = ScriptStateContext()

    /// The files the state loaded besides its script.
    var files: ScriptFiles { context.files }

    /// What became of one call of the handler.
    enum Outcome {
        /// The handler returned (or called `os.exit`).
        case returned
        /// The handler global is not a function.
        case missingHandler
        /// The handler raised an error.
        case failed(LuaError)
        /// The client went away while the handler ran; it was stopped at its next output.
        case aborted
    }

    /// Whether the state may serve another request: it was not stopped by a
    /// limit and has not served `maxCount` requests yet.
    var isReusable: Bool {
        !lua.isSpent && (limits.maxCount == 0 || served < limits.maxCount)
    }

    /// Creates the state and runs the script's chunk, compiled from `source`
    /// (read by the caller: `ScriptSource`), which must end before `deadline`
    /// (nil: no limit); throws a syntax or runtime error, or `.timeout`/`.memory`
    /// when the chunk hit a limit.
    init(
        script: String, source: ScriptSource, limits: ScriptLimits,
        deadline: ContinuousClock.Instant?
    ) throws(LuaError) {
        self.script = script
        self.signature = source.signature
        self.limits = limits
        lua = try LuaState(memoryLimit: limits.memoryBytes, timeLimited: limits.watchdog != nil)
        lua.context = context
        lua.openStandardLibraries()
        lua.replaceOSExit()
        try TextOnlyLoad.install(in: lua)
        ConnectionObject.install(in: lua)
        LuafcgidModule.install(in: lua)
        let directory = script.lastIndex(of: "/").map { String(script[..<$0]) } ?? "."
        prependToPackagePaths(directory)
        try FileTracking.install(in: lua, scriptDirectory: directory)
        try source.load(into: lua)
        lua.setDeadline(after: deadline.map { $0 - .now })
        defer { lua.setDeadline(after: nil) }
        do {
            try lua.call(arguments: 0, results: 0)
        } catch .exited {
            // os.exit() in the chunk ends the initialization early; the state is still good.
        }
    }

    /// Calls `handler(env, con)` for `request` with `requestContext` reachable
    /// from `con`; its code must end before `deadline` (nil: no limit).
    func handle(
        _ request: Request, handler: String, context requestContext: RequestContext, deadline: ContinuousClock.Instant?
    ) -> Outcome {
        served += 1
        guard lua.getGlobal(handler) == .function else {
            lua.pop()
            return .missingHandler
        }
        pushEnvironment(request.parameters)
        ConnectionObject.push(in: lua, generation: requestContext.generation)
        context.request = requestContext
        lua.setDeadline(after: deadline.map { $0 - .now })
        defer {
            context.request = nil
            lua.setDeadline(after: nil)
        }
        do {
            try lua.call(arguments: 2, results: 0)
            return .returned
        } catch .exited {
            return request.isAborted ? .aborted : .returned
        } catch {
            return .failed(error)
        }
    }

    /// Pushes `env`: every parameter (raw bytes), plus `LUAFCGID_VERSION` and `FCGI_ROLE` (SPEC §4.1).
    private func pushEnvironment(_ parameters: RequestParameters) {
        lua.newTable(recordCount: Int32(parameters.pairs.count + 2))
        for pair in parameters.pairs {
            pair.name.withUnsafeReadableBytes { lua.push(bytes: $0) }
            pair.value.withUnsafeReadableBytes { lua.push(bytes: $0) }
            lua.rawSet(table: -3)
        }
        lua.push(LuafcgidModule.version)
        lua.rawSet(table: -2, key: "LUAFCGID_VERSION")
        lua.push("RESPONDER")
        lua.rawSet(table: -2, key: "FCGI_ROLE")
    }

    /// `require` looks in the script's own `directory` first (SPEC §4.3).
    private func prependToPackagePaths(_ directory: String) {
        guard lua.getGlobal("package") == .table else {
            lua.pop()
            return
        }
        for (key, patterns) in [("path", ["/?.lua", "/?/init.lua"]), ("cpath", ["/?.so"])] {
            lua.rawGet(table: -1, key: key)
            let current = lua.string(at: -1) ?? ""
            lua.pop()
            lua.push(patterns.map { directory + $0 }.joined(separator: ";") + ";" + current)
            lua.rawSet(table: -2, key: key)
        }
        lua.pop()
    }
}
