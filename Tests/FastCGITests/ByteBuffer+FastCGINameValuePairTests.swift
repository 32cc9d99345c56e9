import NIOCore
import Testing

@testable import FastCGI

@Suite struct ByteBufferFastCGINameValuePairTests {
    @Test func readsAndWritesOneByteLengths() throws {
        var buffer = ByteBuffer()
        buffer.writeFastCGINameValuePair(name: "abc", value: "hello")
        #expect(Array(buffer.readableBytesView) == [3, 5] + Array("abchello".utf8))
        let pair = try #require(try buffer.readFastCGINameValuePair())
        #expect(pair.name == byteBuffer("abc"))
        #expect(pair.value == byteBuffer("hello"))
        #expect(buffer.readableBytes == 0)
    }

    @Test func switchesToFourByteLengthsAt128() {
        var buffer = ByteBuffer()
        buffer.writeFastCGINameValuePair(name: String(repeating: "n", count: 127), value: String(repeating: "v", count: 128))
        #expect(Array(buffer.readableBytesView.prefix(5)) == [127, 0x80, 0, 0, 128])
        #expect(buffer.readableBytes == 5 + 127 + 128)
    }

    @Test func readsAndWritesA200KBValue() throws {
        let value = String(repeating: "x", count: 200_000)
        var buffer = ByteBuffer()
        buffer.writeFastCGINameValuePair(name: "HTTP_COOKIE", value: value)
        // 200 000 = 0x00030D40, with the high bit set in the first byte.
        #expect(Array(buffer.readableBytesView.prefix(5)) == [11, 0x80, 0x03, 0x0D, 0x40])
        let pair = try #require(try buffer.readFastCGINameValuePair())
        #expect(String(buffer: pair.name) == "HTTP_COOKIE")
        #expect(pair.value.readableBytes == 200_000)
        #expect(String(buffer: pair.value) == value)
    }

    @Test func acceptsTheFourByteFormForShortLengths() throws {
        var buffer = ByteBuffer(bytes: [0x80, 0, 0, 1, 0x80, 0, 0, 2] + Array("abc".utf8))
        let pair = try #require(try buffer.readFastCGINameValuePair())
        #expect(pair.name == byteBuffer("a"))
        #expect(pair.value == byteBuffer("bc"))
    }

    @Test func readsEmptyValues() throws {
        var buffer = ByteBuffer(bytes: nameValueBytes([("FCGI_MAX_CONNS", "")]))
        let pair = try #require(try buffer.readFastCGINameValuePair())
        #expect(String(buffer: pair.name) == "FCGI_MAX_CONNS")
        #expect(pair.value.readableBytes == 0)
    }

    @Test func returnsNilAndRestoresTheReaderIndexOnEveryPrefix() throws {
        let whole = ByteBuffer(bytes: nameValueBytes([("SCRIPT_NAME", String(repeating: "p", count: 300))]))
        for length in 0..<whole.readableBytes {
            var prefix = whole.getSlice(at: whole.readerIndex, length: length)!
            #expect(try prefix.readFastCGINameValuePair() == nil)
            #expect(prefix.readableBytes == length)
        }
    }

    @Test func rejectsAPairBeyondTheMaximumAsSoonAsItsLengthsAreKnown() {
        // Lengths only: 4 + 2³¹−1 bytes promised, none of them sent.
        var buffer = ByteBuffer(bytes: [4, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: FastCGIProtocolError.parametersTooLarge(bytes: 4 + Int(Int32.max), limit: 1 << 20)) {
            try buffer.readFastCGINameValuePair(maximumLength: 1 << 20)
        }
        #expect(buffer.readableBytes == 5)
    }

    @Test func acceptsAPairOfExactlyTheMaximum() throws {
        var buffer = ByteBuffer(bytes: nameValueBytes([("ab", "cde")]))
        #expect(try buffer.readFastCGINameValuePair(maximumLength: 5) != nil)
    }
}
