import NIOCore

/// Finds the status of a CGI response in its STDOUT stream (RFC 3875 §6.3.3):
/// the code of a `Status:` header, or 200 when there is none.
///
/// Fed record by record, since the header block may be split at any byte; it
/// keeps only a small state between records, copies nothing and allocates
/// nothing. It stops at the blank line that ends the header block, so a response
/// body is never scanned. Header names are matched case-insensitively; a
/// `Status:` whose value does not start with three digits yields 0, which is
/// outside 2xx, so a malformed answer is never taken for a good one.
struct CGIStatusScanner: Sendable {
    private enum State: Sendable {
        /// At the start of a header line.
        case lineStart
        /// A CR at the start of a line: LF next ends the header block.
        case lineStartCR
        /// This many bytes of `status:` matched so far.
        case name(matched: Int)
        /// After `Status:`, before the first digit.
        case valueSpace
        /// The first one or two digits of the code, and their value.
        case value(digits: Int, code: Int)
        /// The rest of a line that is not the status.
        case skipLine
        /// The header block has ended.
        case done
    }

    private static let name = Array("status:".utf8)

    /// The status so far; final when the stream ends.
    private(set) var status = 200
    private var state = State.lineStart

    /// Scans the next part of the STDOUT stream.
    mutating func scan(_ buffer: ByteBuffer) {
        for byte in buffer.readableBytesView {
            self.step(byte)
            if case .done = self.state { return }
        }
    }

    private mutating func step(_ byte: UInt8) {
        switch self.state {
        case .lineStart:
            switch byte {
            case UInt8(ascii: "\r"): self.state = .lineStartCR
            case UInt8(ascii: "\n"): self.state = .done
            default: self.state = Self.lowercased(byte) == Self.name[0] ? .name(matched: 1) : .skipLine
            }
        case .lineStartCR:
            self.state = byte == UInt8(ascii: "\n") ? .done : .skipLine
        case .name(let matched):
            if Self.lowercased(byte) == Self.name[matched] {
                self.state = matched + 1 == Self.name.count ? .valueSpace : .name(matched: matched + 1)
            } else {
                self.endLine(at: byte)
            }
        case .valueSpace:
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                return
            }
            if let digit = Self.digit(byte) {
                self.state = .value(digits: 1, code: digit)
            } else {
                self.status = 0
                self.endLine(at: byte)
            }
        case .value(let digits, let code):
            guard let digit = Self.digit(byte) else {
                self.status = 0
                self.endLine(at: byte)
                return
            }
            if digits + 1 == 3 {
                self.status = code * 10 + digit
                self.state = .skipLine
            } else {
                self.state = .value(digits: digits + 1, code: code * 10 + digit)
            }
        case .skipLine:
            if byte == UInt8(ascii: "\n") { self.state = .lineStart }
        case .done:
            return
        }
    }

    /// Leaves a line that turned out not to be a (well-formed) status line.
    private mutating func endLine(at byte: UInt8) {
        self.state = byte == UInt8(ascii: "\n") ? .lineStart : .skipLine
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
