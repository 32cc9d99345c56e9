import NIOCore

/// Cuts a byte stream into the pieces a socket's reads would deliver, as one control byte says.
///
/// Seed 0 delivers everything in one piece. Any other seed `s` gives piece sizes from
/// 1 to `s` bytes, drawn from a fixed linear congruential sequence started at `s`: small
/// seeds split at nearly every byte, large ones into a few reads, and the same input
/// always splits the same way, so a saved crash reproduces.
public struct ReadSplitter: Sendable {
    public var seed: UInt8

    public init(seed: UInt8) {
        self.seed = seed
    }

    /// The pieces, in order; none is empty, and together they are `buffer`'s readable bytes.
    public func split(_ buffer: ByteBuffer) -> [ByteBuffer] {
        guard self.seed > 0 else {
            return buffer.readableBytes > 0 ? [buffer] : []
        }
        var rest = buffer
        var pieces: [ByteBuffer] = []
        var state = UInt32(self.seed)
        // Every piece takes at least one byte, so this ends after at most readableBytes rounds.
        while rest.readableBytes > 0 {
            state = state &* 1_103_515_245 &+ 12345
            let size = 1 + Int((state >> 16) % UInt32(self.seed))
            pieces.append(rest.readSlice(length: min(size, rest.readableBytes))!)
        }
        return pieces
    }
}
