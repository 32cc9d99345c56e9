import NIOCore

/// Collects one request's PARAMS stream into ``FastCGIParameter``s (FastCGI 1.0 §5.2).
///
/// A name-value pair may span any number of PARAMS records, so bytes that do not
/// yet make a whole pair are kept until the next record. Pairs are parsed as soon
/// as they are complete, and a pair's declared lengths are checked against the
/// limit as soon as they are readable: an oversized request is refused before its
/// bytes are buffered, and what is held never exceeds the limit by more than one
/// record.
struct FastCGIParameterAccumulator: Sendable {
    private(set) var parameters: [FastCGIParameter] = []
    /// Names plus values parsed so far.
    private(set) var byteCount = 0
    /// Bytes of a pair not yet complete.
    private var pending: ByteBuffer?
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds the content of one non-empty PARAMS record.
    ///
    /// - Throws: ``FastCGIProtocolError/parametersTooLarge(bytes:limit:)`` when the
    ///   parameters would exceed ``limit``.
    mutating func append(_ content: ByteBuffer) throws(FastCGIProtocolError) {
        var buffer: ByteBuffer
        if var pending = self.pending.take() {
            pending.writeImmutableBuffer(content)
            buffer = pending
        } else {
            buffer = content
        }
        var parsedAny = false
        do throws(FastCGIProtocolError) {
            while let (name, value) = try buffer.readFastCGINameValuePair(maximumLength: self.limit - self.byteCount) {
                self.parameters.append(FastCGIParameter(name: name, value: value))
                self.byteCount += name.readableBytes + value.readableBytes
                parsedAny = true
            }
        } catch .parametersTooLarge(let bytes, _) {
            throw .parametersTooLarge(bytes: self.byteCount + bytes, limit: self.limit)
        }
        guard buffer.readableBytes > 0 else {
            return
        }
        if parsedAny {
            // The rest came with this record; copy it out so that appending later
            // does not copy-on-write the storage the parsed slices still share.
            var rest = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
            rest.writeBuffer(&buffer)
            buffer = rest
        }
        self.pending = buffer
    }

    /// Ends the stream (the empty PARAMS record) and returns the parameters.
    ///
    /// - Throws: ``FastCGIProtocolError/truncatedNameValuePair(bytes:)`` when the
    ///   stream stopped in the middle of a pair.
    mutating func finish() throws(FastCGIProtocolError) -> [FastCGIParameter] {
        if let pending = self.pending, pending.readableBytes > 0 {
            throw .truncatedNameValuePair(bytes: pending.readableBytes)
        }
        return self.parameters
    }
}

extension Optional {
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
