import Lua
import NIOCore

/// One Lua state in the pool, holding one script (SPEC §3.2).
///
/// Creating it is the script's initialization: a fresh state with the standard
/// libraries, `require "luafcgid"`, the script's directory first on
/// `package.path`, the files it loads tracked, `os.exit` ending only the
/// request and `load` taking text only; then the `preload` file runs, if one is
/// configured, and the script's chunk runs once.
/// Afterwards `handle` calls the handler for each request, and globals persist
/// between requests. Used by one worker at a time. The preload, the chunk and
/// each handler call run under `ScriptLimits`, watched by the request's
/// `SlowRequestWatch` when `slowlog` is on.
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
    private let context: ScriptStateContext

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

    /// Why a new state was not made: the file that failed, and how.
    enum CreationError: Error {
        /// The preload file at `path` could not be read, did not compile, raised or hit a limit.
        case preload(path: String, LuaError)
        /// The script did not compile, its chunk raised or hit a limit.
        case script(LuaError)
    }

    /// Whether the state may serve another request: it was not stopped by a
    /// limit and has not served `maxCount` requests yet.
    var isReusable: Bool {
        !lua.isSpent && (limits.maxCount == 0 || served < limits.maxCount)
    }

    /// Creates the state, runs `preload` (if any) and the script's chunk,
    /// compiled from `source` (read by the caller: `ScriptSource`); both must
    /// end before `deadline` (nil: no limit), and `slowWatch` watches them.
    /// Throws which of them failed: a read, syntax or runtime error, or
    /// `.timeout`/`.memory` when it hit a limit. `shared` is the process's store
    /// that `require("luafcgid").shared` reaches.
    init(
        script: String, source: ScriptSource, preload: Preload?, limits: ScriptLimits,
        deadline: ContinuousClock.Instant?, slowWatch: SlowRequestWatch?, shared: SharedStore
    ) throws(CreationError) {
        self.context = ScriptStateContext(shared: shared)
        self.script = script
        self.signature = source.signature
        self.limits = limits
        do {
            lua = try LuaState(memoryLimit: limits.memoryBytes, timeLimited: limits.isTimeLimited)
        } catch {
            throw .script(error)
        }
        lua.context = context
        let directory = script.lastIndex(of: "/").map { String(script[..<$0]) } ?? "."
        do {
            lua.openStandardLibraries()
            lua.replaceOSExit()
            try TextOnlyLoad.install(in: lua)
            ConnectionObject.install(in: lua)
            LuafcgidModule.install(in: lua)
            prependToPackagePaths(directory)
            try FileTracking.install(in: lua, scriptDirectory: directory)
        } catch {
            throw .script(error)
        }
        lua.setDeadline(after: deadline.map { $0 - .now })
        slowWatch?.arm(lua)
        defer {
            lua.setDeadline(after: nil)
            slowWatch?.disarm(lua)
        }
        if let preload {
            do {
                try preload.run(in: lua, files: context.files)
            } catch {
                throw .preload(path: preload.path, error)
            }
        }
        do {
            try source.load(into: lua)
            try lua.call(arguments: 0, results: 0)
        } catch .exited {
            // os.exit() in the chunk ends the initialization early; the state is still good.
        } catch {
            throw .script(error)
        }
    }

    /// Calls `handler(env, con)` for `request` with `requestContext` reachable
    /// from `con`; its code must end before `deadline` (nil: no limit), and
    /// `slowWatch` watches it.
    func handle(
        _ request: Request, handler: String, context requestContext: RequestContext, deadline: ContinuousClock.Instant?,
        slowWatch: SlowRequestWatch?
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
        slowWatch?.arm(lua)
        defer {
            context.request = nil
            lua.setDeadline(after: nil)
            slowWatch?.disarm(lua)
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
