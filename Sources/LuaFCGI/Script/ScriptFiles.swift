import Synchronization

/// The files a state loaded besides its script — the `preload` file, modules
/// through `require`, `dofile` and `loadfile` inside the script's directory tree — each with the signature
/// it had when loaded (SPEC §3.7): when one changes, the state is stale.
///
/// Written by the worker running the state, read by housekeeping: hence the lock.
final class ScriptFiles: Sendable {
    private let signatures = Mutex<[String: FileSignature?]>([:])

    /// Records `path` as loaded now (first load wins: that is the version the state holds).
    func record(_ path: String) {
        signatures.withLock { known in
            if known[path] == nil { known[path] = .some(FileSignature(path: path)) }
        }
    }

    /// Records `path` as loaded in the version `signature` (from the descriptor it was read through).
    func record(_ path: String, signature: FileSignature) {
        signatures.withLock { known in
            if known[path] == nil { known[path] = .some(signature) }
        }
    }

    /// Whether every recorded file is still the version that was loaded;
    /// `current` gives a file's signature now (nil when it is gone).
    func areCurrent(_ current: (String) -> FileSignature?) -> Bool {
        let snapshot = signatures.withLock { $0 }
        return snapshot.allSatisfy { path, loaded in current(path) == loaded }
    }
}
