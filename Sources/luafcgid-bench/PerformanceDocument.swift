import Foundation

/// docs/PERFORMANCE.md: the results go between two markers; everything else
/// in the file is the reader's and stays as it is.
enum PerformanceDocument {
    static let begin = "<!-- bench:begin -->"
    static let end = "<!-- bench:end -->"

    /// Used only when the file does not exist yet.
    static let introduction = """
        # Performance

        `make bench` measures luafcgid beside the alternatives and writes the
        results below; `make bench BENCHFLAGS=--help` lists its options.

        """

    static func update(path: String, results: String) throws {
        let document = (try? String(contentsOfFile: path, encoding: .utf8)) ?? introduction
        try splice(document, results: results).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Replaces what is between the markers, or appends the markers with the
    /// results when the document has none.
    static func splice(_ document: String, results: String) -> String {
        let block = "\(begin)\n\(results)\(end)"
        guard let start = document.range(of: begin),
              let stop = document.range(of: end, range: start.upperBound..<document.endIndex)
        else {
            let separator = document.hasSuffix("\n\n") ? "" : document.hasSuffix("\n") ? "\n" : "\n\n"
            return document + separator + block + "\n"
        }
        return document.replacingCharacters(in: start.lowerBound..<stop.upperBound, with: block)
    }
}
