/// A command line that cannot run: the message names the option and the bad value.
struct LoadUsageError: Error, Hashable, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
