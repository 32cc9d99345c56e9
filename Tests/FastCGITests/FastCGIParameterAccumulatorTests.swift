import NIOCore
import Testing

@testable import FastCGI

@Suite struct FastCGIParameterAccumulatorTests {
    let pairs = [
        ("SCRIPT_FILENAME", "/srv/www/index.lua"),
        ("QUERY_STRING", ""),
        ("HTTP_COOKIE", String(repeating: "c", count: 300)),
        ("X", "y"),
    ]

    var expected: [FastCGIParameter] {
        self.pairs.map { FastCGIParameter(name: $0.0, value: $0.1) }
    }

    @Test func collectsPairsSplitAtEveryByteAcrossRecords() throws {
        let stream = nameValueBytes(self.pairs)
        for split in 0...stream.count {
            var accumulator = FastCGIParameterAccumulator(limit: 1 << 20)
            try accumulator.append(ByteBuffer(bytes: stream[..<split]))
            try accumulator.append(ByteBuffer(bytes: stream[split...]))
            #expect(try accumulator.finish() == self.expected, "split at \(split)")
        }
    }

    @Test func collectsPairsDripFedOneByteARecord() throws {
        var accumulator = FastCGIParameterAccumulator(limit: 1 << 20)
        for byte in nameValueBytes(self.pairs) {
            try accumulator.append(ByteBuffer(bytes: [byte]))
        }
        #expect(try accumulator.finish() == self.expected)
    }

    @Test func acceptsOneValueOfNearlyTheWholeLimitOverManyRecords() throws {
        let limit = 1 << 20
        let value = String(repeating: "v", count: limit - 4)
        let stream = nameValueBytes([("HUGE", value)])
        var accumulator = FastCGIParameterAccumulator(limit: limit)
        var offset = 0
        while offset < stream.count {
            let end = min(offset + 65535, stream.count)
            try accumulator.append(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
        }
        let parameters = try accumulator.finish()
        #expect(parameters.count == 1)
        #expect(parameters.first?.value.readableBytes == limit - 4)
        #expect(accumulator.byteCount == limit)
    }

    @Test func rejectsParametersOneByteBeyondTheLimit() throws {
        var accumulator = FastCGIParameterAccumulator(limit: 10)
        try accumulator.append(ByteBuffer(bytes: nameValueBytes([("AB", "cd")])))
        #expect(throws: FastCGIProtocolError.parametersTooLarge(bytes: 11, limit: 10)) {
            try accumulator.append(ByteBuffer(bytes: nameValueBytes([("EFG", "hijk")])))
        }
    }

    @Test func rejectsAnOversizedPairBeforeItsBytesArrive() {
        var accumulator = FastCGIParameterAccumulator(limit: 1 << 20)
        // Name of 1 byte, value announced as 2 MiB; only the lengths are sent.
        #expect(throws: FastCGIProtocolError.parametersTooLarge(bytes: 1 + (2 << 20), limit: 1 << 20)) {
            try accumulator.append(ByteBuffer(bytes: [1, 0x80, 0x20, 0x00, 0x00]))
        }
    }

    @Test func aStreamEndingInsideAPairIsTruncated() throws {
        var accumulator = FastCGIParameterAccumulator(limit: 1 << 20)
        try accumulator.append(ByteBuffer(bytes: nameValueBytes([("A", "b")]) + [5, 5, 0x41]))
        #expect(throws: FastCGIProtocolError.truncatedNameValuePair(bytes: 3)) {
            try accumulator.finish()
        }
    }

    @Test func anEmptyStreamHasNoParameters() throws {
        var accumulator = FastCGIParameterAccumulator(limit: 1 << 20)
        #expect(try accumulator.finish().isEmpty)
    }
}
