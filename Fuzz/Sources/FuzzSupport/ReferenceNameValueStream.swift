/// A second, deliberately plain reading of a name-value stream (FastCGI 1.0 §3.4) over
/// `[UInt8]`, for the targets to hold `readFastCGINameValuePair` and the parameter
/// accumulator against. It shares no code with the module.
///
/// It reads pairs until the stream ends, a pair is cut off, or a pair would take the
/// names plus values read so far past `limit` (checked as soon as both lengths are
/// readable, as the module promises).
public struct ReferenceNameValueStream: Sendable, Equatable {
    public struct Pair: Sendable, Equatable {
        public var name: [UInt8]
        public var value: [UInt8]
        /// Both lengths in the form a writer picks: one byte below 128, four from 128 on.
        public var isCanonical: Bool

        public init(name: [UInt8], value: [UInt8], isCanonical: Bool) {
            self.name = name
            self.value = value
            self.isCanonical = isCanonical
        }
    }

    /// The whole pairs, in order.
    public private(set) var pairs: [Pair] = []
    /// The bytes the whole pairs took.
    public private(set) var consumed = 0
    /// Bytes after the whole pairs; 0 when the stream ended on a pair boundary.
    public private(set) var leftover = 0
    /// The names plus values a pair over `limit` would have brought the total to; nil if none was.
    public private(set) var tooLarge: Int?

    public init(parsing bytes: [UInt8], limit: Int = .max) {
        var total = 0
        // Every pair takes at least its two length bytes: at most bytes.count / 2 rounds.
        while self.consumed < bytes.count {
            guard let (nameLength, nameWidth) = Self.length(in: bytes, at: self.consumed),
                let (valueLength, valueWidth) = Self.length(in: bytes, at: self.consumed + nameWidth)
            else {
                break
            }
            guard nameLength + valueLength <= limit - total else {
                self.tooLarge = total + nameLength + valueLength
                break
            }
            let nameStart = self.consumed + nameWidth + valueWidth
            guard bytes.count - nameStart >= nameLength + valueLength else {
                break
            }
            let valueStart = nameStart + nameLength
            self.pairs.append(
                Pair(
                    name: Array(bytes[nameStart..<valueStart]),
                    value: Array(bytes[valueStart..<(valueStart + valueLength)]),
                    isCanonical: (nameWidth == 1) == (nameLength < 128) && (valueWidth == 1) == (valueLength < 128)
                )
            )
            total += nameLength + valueLength
            self.consumed = valueStart + valueLength
        }
        self.leftover = bytes.count - self.consumed
    }

    /// A length and how many bytes it took: `0lllllll`, or `1lllllll` and three more bytes (31 bits, big-endian).
    private static func length(in bytes: [UInt8], at index: Int) -> (Int, Int)? {
        guard index < bytes.count else {
            return nil
        }
        guard bytes[index] & 0x80 != 0 else {
            return (Int(bytes[index]), 1)
        }
        guard bytes.count - index >= 4 else {
            return nil
        }
        let length = bytes[index..<(index + 4)].reduce(0) { $0 << 8 | Int($1) } & 0x7FFF_FFFF
        return (length, 4)
    }
}
