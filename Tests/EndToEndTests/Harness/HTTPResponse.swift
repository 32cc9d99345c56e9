import Foundation

/// A response as a client saw it: status, headers (names lower-cased; the
/// last of a repeated name wins, all are kept in `headerLines`) and body.
struct HTTPResponse: CustomStringConvertible {
    var status: Int
    var headerLines: [(name: String, value: String)]
    var body: String

    func header(_ name: String) -> String? {
        headerLines.last { $0.name == name.lowercased() }?.value
    }

    var description: String {
        let head = headerLines.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        return "HTTP \(status)\n\(head)\n\n\(body.prefix(2000))"
    }

    /// Parses `Name: value` lines (CRLF or LF), skipping any that do not
    /// have that shape (an HTTP status line, say).
    static func parseHeaderLines(_ text: Substring) -> [(name: String, value: String)] {
        // "\r\n" is one Character in Swift, and a newline.
        text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
            .compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                return (name, value)
            }
    }
}
