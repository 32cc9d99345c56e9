import Foundation
import Logging

/// Runs housekeeping every `sweep` milliseconds on a thread of its own (SPEC §3.7):
/// idle states whose script changed (mtime, size or inode) or vanished are closed,
/// busy ones when released.
final class Housekeeper: @unchecked Sendable {
    private let pool: ScriptPool<ScriptState>
    private let period: TimeInterval
    private let logger: Logger
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var stopped = false
    private let finished = DispatchGroup()

    init(pool: ScriptPool<ScriptState>, periodMilliseconds: Int, logger: Logger) {
        self.pool = pool
        self.period = TimeInterval(periodMilliseconds) / 1000
        self.logger = logger
    }

    func start() {
        finished.enter()
        let thread = Thread { [self] in
            while self.waitForNextSweep() { self.sweep() }
            self.finished.leave()
        }
        thread.name = "luafcgid-housekeeping"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    /// One round: every script file is stat'ed once, whatever the number of its states.
    func sweep() {
        var current: [String: FileSignature?] = [:]
        let closed = pool.sweep { state in
            let signature: FileSignature?
            if let known = current[state.script] {
                signature = known
            } else {
                signature = FileSignature(path: state.script)
                current[state.script] = signature
            }
            return signature == state.signature
        }
        for script in Set(closed.map(\.script)).sorted() {
            logger.info("\(script) changed; its idle states were closed and it reloads on the next request")
        }
    }

    /// Waits one period; false once stopped.
    private func waitForNextSweep() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: period)
        while !stopped, condition.wait(until: deadline) {}
        return !stopped
    }
}
