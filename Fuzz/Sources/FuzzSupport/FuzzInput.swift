import NIOCore

/// One libFuzzer input: a few leading control bytes, then the payload a target feeds in.
///
/// The control bytes (where reads split, limits, how the application behaves) come
/// first and are taken one at a time, so each target documents its own layout. An
/// input too short for them reads the missing ones as 0, and its payload is empty:
/// every input is valid.
public struct FuzzInput {
    private var bytes: UnsafeRawBufferPointer

    /// libFuzzer may pass a null pointer with an empty input.
    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        self.bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count)
    }

    /// The next control byte, or 0 when the input has run out.
    public mutating func takeControlByte() -> UInt8 {
        guard let first = self.bytes.first else {
            return 0
        }
        self.bytes = UnsafeRawBufferPointer(rebasing: self.bytes.dropFirst())
        return first
    }

    /// The bytes after the control bytes taken so far, copied out of libFuzzer's memory.
    public var payload: ByteBuffer {
        ByteBuffer(bytes: self.bytes)
    }
}
