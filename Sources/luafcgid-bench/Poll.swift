import Foundation

/// Checks `condition` every 20 ms until it holds, for at most `timeout`.
///
/// Readiness is polled, never slept for: a fixed sleep is either too short on
/// a loaded machine or wasted on an idle one. `condition` may throw to give up
/// early (say, the process it waits for has exited).
func poll(_ what: String, timeout: Duration, _ condition: () throws -> Bool) throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try condition() { return }
        if clock.now >= deadline {
            throw BenchError("gave up after \(timeout.components.seconds) s waiting for \(what)")
        }
        usleep(20_000)
    }
}
