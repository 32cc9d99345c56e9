import Foundation

/// A file of the project's deployment kit (`contrib/`), read as shipped, so
/// that a test uses it with only its paths pointed into the test's directory.
struct ContribFile {
    let path: String
    let text: String

    /// Reads `contrib/<path>` of the package.
    init(_ path: String) throws {
        self.path = path
        text = try String(
            contentsOf: LuafcgidBinary.packageRoot.appendingPathComponent("contrib/\(path)"), encoding: .utf8)
    }

    /// The text with each `(from, to)` replaced everywhere. Throws if a
    /// `from` is not in the file: the test would otherwise run against the
    /// real system's paths (/run, /var/log) without noticing.
    func replacing(_ replacements: [(from: String, to: String)]) throws -> String {
        var result = text
        for (from, to) in replacements {
            guard result.contains(from) else {
                throw HarnessError("contrib/\(path) no longer contains \"\(from)\"")
            }
            result = result.replacingOccurrences(of: from, with: to)
        }
        return result
    }
}
