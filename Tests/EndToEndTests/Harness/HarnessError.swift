/// A failure of the end-to-end harness itself (a process that would not
/// start, a socket that never came up), as opposed to a failed expectation.
///
/// The message is what Swift Testing prints, so it says what to do next.
struct HarnessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
