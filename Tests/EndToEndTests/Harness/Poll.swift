/// Waits for `condition` to hold, checking it every `interval`, for at most
/// `timeout` and at most `timeout / interval + 1` checks.
///
/// This is how the harness synchronises with child processes: it never sleeps
/// for a fixed time hoping something happened, it checks for the thing.
/// `condition` may throw to give up early (e.g. the process died).
///
/// - Throws: `HarnessError` naming `what` when the time is up.
func poll(
    _ what: @autoclosure () -> String,
    timeout: Duration = .seconds(15),
    interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    let maxChecks = Int(timeout / interval) + 1
    for _ in 0..<maxChecks {
        if try await condition() { return }
        if clock.now >= deadline { break }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    throw HarnessError("timed out after \(timeout) waiting for \(what())")
}
