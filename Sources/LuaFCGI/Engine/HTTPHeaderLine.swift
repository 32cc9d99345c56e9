/// One response header, `name: value`.
public struct HTTPHeaderLine: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Parses a raw line `Name: value` (a trailing CR LF is dropped).
    public init(line: String) throws(HTTPHeaderLineError) {
        var text = Substring(line)
        while let last = text.last, last == "\r\n" || last == "\n" || last == "\r" { text = text.dropLast() }
        guard let colon = text.firstIndex(of: ":") else { throw .init(line: line, reason: "no ':' in the line") }
        let name = text[..<colon].trimmingASCIISpaces()
        guard Self.isToken(name) else { throw .init(line: line, reason: "the name is not a valid header name") }
        let value = text[text.index(after: colon)...].trimmingASCIISpaces()
        guard !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            throw .init(line: line, reason: "line breaks inside the value")
        }
        self.init(name: String(name), value: String(value))
    }

    /// A line from a name and a value given apart (`con:header(name, value)`),
    /// checked as `init(line:)` checks a raw line, without building one.
    public init(name: String, checkingValue value: String) throws(HTTPHeaderLineError) {
        let trimmedName = Substring(name).trimmingASCIISpaces()
        var withoutBreak = Substring(value)
        while let last = withoutBreak.utf8.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            withoutBreak = withoutBreak.dropLast()
        }
        let trimmedValue = withoutBreak.trimmingASCIISpaces()
        guard Self.isToken(trimmedName) else {
            throw .init(line: "\(name): \(value)", reason: "the name is not a valid header name")
        }
        guard !trimmedValue.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else {
            throw .init(line: "\(name): \(value)", reason: "line breaks inside the value")
        }
        self.init(name: String(trimmedName), value: String(trimmedValue))
    }

    /// Parses a block of raw lines separated by CR LF or LF (the `headers` setting); blank lines are skipped.
    public static func parseBlock(_ block: String) throws(HTTPHeaderLineError) -> [HTTPHeaderLine] {
        var lines: [HTTPHeaderLine] = []
        for raw in block.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) where !raw.trimmingASCIISpaces().isEmpty {
            lines.append(try HTTPHeaderLine(line: String(raw)))
        }
        return lines
    }

    /// Whether `name` is an RFC 9110 token (the characters a header name may have).
    static func isToken(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// Whether this line's name is `other`, ignoring case.
    func hasName(_ other: String) -> Bool {
        name.utf8.count == other.utf8.count
            && zip(name.utf8, other.utf8).allSatisfy { Self.asciiLowercase($0) == Self.asciiLowercase($1) }
    }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}

/// A header line that cannot be sent.
public struct HTTPHeaderLineError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: String
    public var reason: String
    public var description: String { "bad header line \"\(line)\": \(reason)" }
}
