import Lua

/// The `preload` file (SPEC §2): Lua run in every new state after the standard
/// libraries and the `luafcgid` module, before the page script is loaded —
/// shared helpers, `package.path` set-up. Its globals are the script's.
///
/// It is read afresh for each new state, the way a script is (`ScriptSource`:
/// no blocking open, a regular file, the size bound), and the state tracks it
/// as a file it loaded, so a changed preload file reloads the states
/// (`ScriptFiles`, housekeeping). It runs under the state's limits, inside the
/// request's watchdog. Any failure is the server's, never the request's: the
/// request gets 500 (504 for the watchdog), and the log names the preload file.
struct Preload: Sendable {
    /// Absolute (`Configuration` resolves a relative one against the config file's directory).
    let path: String
    /// As for scripts: `ScriptSource.sizeLimit(memoryMiB:)`.
    let sizeLimit: Int

    /// Reads the file and runs it in `lua`, recording it in `files`.
    /// `os.exit` in it ends the preload file early; the script is loaded all the same.
    func run(in lua: LuaState, files: ScriptFiles) throws(LuaError) {
        let source: ScriptSource
        do {
            source = try ScriptSource(path: path, sizeLimit: sizeLimit)
        } catch {
            throw .file(message: "cannot read \(error.reason)")
        }
        files.record(path, signature: source.signature)
        try source.load(into: lua)
        do {
            try lua.call(arguments: 0, results: 0)
        } catch .exited {
            // Like os.exit in a script's chunk: ends it early, the state is still good.
        }
    }
}
