import Foundation
import Synchronization

/// The PIDs of the processes the benchmark started and has not reaped yet,
/// so that Ctrl-C can stop them from the signal handler's thread while the
/// main thread is busy waiting for wrk.
final class ProcessRegistry: Sendable {
    static let shared = ProcessRegistry()

    private let pids = Mutex<Set<pid_t>>([])

    func add(_ pid: pid_t) {
        _ = pids.withLock { $0.insert(pid) }
    }

    func remove(_ pid: pid_t) {
        _ = pids.withLock { $0.remove(pid) }
    }

    /// Stops every registered process tree (see `ProcessTree.terminate`).
    func terminateAll() {
        for pid in pids.withLock({ $0 }) {
            ProcessTree.terminate(root: pid, grace: .seconds(3))
        }
    }
}
