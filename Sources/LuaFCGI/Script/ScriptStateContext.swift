/// What Swift functions called from a state's Lua code reach through
/// `LuaState.context`: the files the state loaded, the request it runs and the
/// process's shared store (`luafcgid.shared`).
///
/// Holds no reference to the state itself, so the state owning it makes no cycle.
final class ScriptStateContext {
    let files = ScriptFiles()
    /// The request being served; nil between requests and while the chunk runs.
    var request: RequestContext?
    let shared: SharedStore

    init(shared: SharedStore) {
        self.shared = shared
    }
}
