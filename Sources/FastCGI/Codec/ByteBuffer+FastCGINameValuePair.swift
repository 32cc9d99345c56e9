import NIOCore

/// Name-value pairs (FastCGI 1.0 §3.4), as used by PARAMS and GET_VALUES.
///
/// ```
/// +-------------+--------------+------------------+-------------------+
/// | nameLength  | valueLength  | name             | value             |
/// | 1 or 4 B    | 1 or 4 B     | nameLength bytes | valueLength bytes |
/// +-------------+--------------+------------------+-------------------+
///
/// length < 128:  one byte      0lllllll
/// otherwise:     four bytes    1lllllll llllllll llllllll llllllll  (31 bits, BE)
/// ```
///
/// A sender may use the 4-byte form for short lengths too; we accept that and
/// write the short form whenever it fits.
extension ByteBuffer {
    /// Reads one pair; the name and value are slices of this buffer.
    ///
    /// Returns nil, with the reader index untouched, until the whole pair is
    /// readable (a pair may span several PARAMS records).
    ///
    /// - Parameter maximumLength: the most name plus value bytes the caller will
    ///   accept. Checked as soon as both lengths are readable, so an oversized pair
    ///   is refused before its bytes are buffered.
    /// - Throws: ``FastCGIProtocolError/parametersTooLarge(bytes:limit:)`` when the
    ///   pair's name plus value exceed `maximumLength`.
    public mutating func readFastCGINameValuePair(
        maximumLength: Int = .max
    ) throws(FastCGIProtocolError) -> (name: ByteBuffer, value: ByteBuffer)? {
        let start = self.readerIndex
        guard let nameLength = self.readFastCGINameValueLength(),
            let valueLength = self.readFastCGINameValueLength()
        else {
            self.moveReaderIndex(to: start)
            return nil
        }
        guard nameLength + valueLength <= maximumLength else {
            self.moveReaderIndex(to: start)
            throw .parametersTooLarge(bytes: nameLength + valueLength, limit: maximumLength)
        }
        guard let name = self.readSlice(length: nameLength), let value = self.readSlice(length: valueLength) else {
            self.moveReaderIndex(to: start)
            return nil
        }
        return (name, value)
    }

    /// Writes one pair, each length in 1 byte when below 128, else in 4.
    ///
    /// - Precondition: name and value are each shorter than 2³¹ bytes.
    @discardableResult
    public mutating func writeFastCGINameValuePair(name: ByteBuffer, value: ByteBuffer) -> Int {
        self.writeFastCGINameValueLength(name.readableBytes)
            + self.writeFastCGINameValueLength(value.readableBytes)
            + self.writeImmutableBuffer(name)
            + self.writeImmutableBuffer(value)
    }

    /// Writes one pair given as strings (UTF-8).
    @discardableResult
    public mutating func writeFastCGINameValuePair(name: String, value: String) -> Int {
        self.writeFastCGINameValuePair(name: ByteBuffer(string: name), value: ByteBuffer(string: value))
    }

    private mutating func readFastCGINameValueLength() -> Int? {
        guard let first = self.getInteger(at: self.readerIndex, as: UInt8.self) else {
            return nil
        }
        if first & 0x80 == 0 {
            self.moveReaderIndex(forwardBy: 1)
            return Int(first)
        }
        return self.readInteger(as: UInt32.self).map { Int($0 & 0x7FFF_FFFF) }
    }

    private mutating func writeFastCGINameValueLength(_ length: Int) -> Int {
        precondition(length <= Int(Int32.max), "FastCGI: name-value length \(length) does not fit in 31 bits")
        if length < 0x80 {
            return self.writeInteger(UInt8(length))
        }
        return self.writeInteger(UInt32(length) | 0x8000_0000)
    }
}
