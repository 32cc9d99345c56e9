/// Stops the run when an invariant does not hold: libFuzzer takes the trap for a crash,
/// prints the message above its report and saves the input as `crash-…`.
///
/// `fatalError`, not `precondition` or `assert`, so the check stays in every build
/// configuration. The message is built only on failure.
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() {
        fatalError("fuzz invariant: \(message())", file: file, line: line)
    }
}
