import NIOCore

extension ByteBuffer {
    /// Reads one whole record (FastCGI 1.0 §3.3), dropping its padding.
    ///
    /// Returns nil, with the reader index untouched, until header, content and
    /// padding have all arrived — records may be split anywhere across reads.
    /// The content is a slice of this buffer, not a copy.
    ///
    /// - Throws: ``FastCGIProtocolError/unsupportedVersion(_:)`` as soon as the
    ///   first byte is readable and is not 1: nothing after it can be trusted.
    public mutating func readFastCGIRecord() throws(FastCGIProtocolError) -> FastCGIRecord? {
        guard let version = self.getInteger(at: self.readerIndex, as: UInt8.self) else {
            return nil
        }
        guard version == FastCGIRecordHeader.version else {
            throw .unsupportedVersion(version)
        }
        let start = self.readerIndex
        guard let header = self.readFastCGIRecordHeader(),
            self.readableBytes >= header.bodyLength,
            let content = self.readSlice(length: Int(header.contentLength))
        else {
            self.moveReaderIndex(to: start)
            return nil
        }
        self.moveReaderIndex(forwardBy: Int(header.paddingLength))
        return FastCGIRecord(type: header.type, requestID: header.requestID, content: content)
    }

    /// Reads the 8-byte header, or returns nil (reader index untouched) if fewer are readable.
    /// Does not judge the version; see ``readFastCGIRecord()``.
    public mutating func readFastCGIRecordHeader() -> FastCGIRecordHeader? {
        guard
            let (version, type, requestID, contentLength, paddingLength, _) = self.readMultipleIntegers(
                as: (UInt8, UInt8, UInt16, UInt16, UInt8, UInt8).self
            )
        else {
            return nil
        }
        return FastCGIRecordHeader(
            version: version,
            type: FastCGIRecordType(rawValue: type),
            requestID: requestID,
            contentLength: contentLength,
            paddingLength: paddingLength
        )
    }

    /// Writes the 8-byte header.
    @discardableResult
    public mutating func writeFastCGIRecordHeader(_ header: FastCGIRecordHeader) -> Int {
        self.writeMultipleIntegers(
            header.version,
            header.type.rawValue,
            header.requestID,
            header.contentLength,
            header.paddingLength,
            UInt8(0)
        )
    }

    /// Writes one record, padded to a multiple of 8 bytes (§3.3 recommends it).
    ///
    /// - Precondition: the content is at most 65535 bytes; split longer output
    ///   into several records (the state machine does this for STDOUT/STDERR).
    @discardableResult
    public mutating func writeFastCGIRecord(_ record: FastCGIRecord) -> Int {
        let contentLength = record.content.readableBytes
        precondition(
            contentLength <= FastCGIRecord.maximumContentLength,
            "FastCGI: record content of \(contentLength) bytes exceeds 65535"
        )
        let padding = FastCGIRecordHeader.padding(forContentLength: contentLength)
        let header = FastCGIRecordHeader(
            type: record.type,
            requestID: record.requestID,
            contentLength: UInt16(contentLength),
            paddingLength: padding
        )
        return self.writeFastCGIRecordHeader(header)
            + self.writeImmutableBuffer(record.content)
            + self.writeRepeatingByte(0, count: Int(padding))
    }
}

extension FastCGIRecord {
    /// The bytes this record takes on the wire with 8-byte padding; for sizing buffers.
    public var encodedSize: Int {
        let contentLength = self.content.readableBytes
        return FastCGIRecordHeader.size + contentLength
            + Int(FastCGIRecordHeader.padding(forContentLength: contentLength))
    }
}
