import NIOCore

extension ByteBuffer {
    /// Writes `content` as a whole stream (FastCGI 1.0 §3.3, "stream records"):
    /// records of at most 65535 content bytes, each padded to 8, then the empty
    /// record that ends the stream.
    ///
    /// The client side of PARAMS and STDIN (§5.2, §5.3). Empty `content` writes
    /// only the closing record, which is how a request without a body ends its STDIN.
    @discardableResult
    public mutating func writeFastCGIStream(_ type: FastCGIRecordType, requestID: UInt16, content: ByteBuffer) -> Int {
        var content = content
        var written = 0
        while content.readableBytes > 0,
            let chunk = content.readSlice(length: min(content.readableBytes, FastCGIRecord.maximumContentLength))
        {
            written += self.writeFastCGIRecord(FastCGIRecord(type: type, requestID: requestID, content: chunk))
        }
        return written + self.writeFastCGIRecord(FastCGIRecord(type: type, requestID: requestID))
    }
}
