import NIOCore
import Testing

@testable import FastCGI

@Suite struct ByteBufferFastCGIRecordTests {
    @Test(arguments: [0, 1, 7, 8, 200, 255] as [UInt8])
    func readsARecordWithAnyPaddingAndDropsThePadding(padding: UInt8) throws {
        var buffer = makeRecord(type: .stdin, id: 0x1234, content: Array("hello".utf8), padding: padding)
        let record = try buffer.readFastCGIRecord()
        #expect(record == FastCGIRecord(type: .stdin, requestID: 0x1234, content: byteBuffer("hello")))
        #expect(buffer.readableBytes == 0)
    }

    @Test func returnsNilAndRestoresTheReaderIndexOnEveryPrefix() throws {
        let whole = makeRecord(type: .params, id: 3, content: Array(repeating: 7, count: 21), padding: 3)
        for length in 0..<whole.readableBytes {
            var prefix = whole.getSlice(at: whole.readerIndex, length: length)!
            #expect(try prefix.readFastCGIRecord() == nil)
            #expect(prefix.readableBytes == length)
        }
    }

    @Test func readsBackToBackRecords() throws {
        var buffer = makeRecord(type: .stdin, id: 1, content: [1, 2, 3], padding: 5)
        var second = makeRecord(type: .stdin, id: 2)
        buffer.writeBuffer(&second)
        #expect(try buffer.readFastCGIRecord()?.requestID == 1)
        #expect(try buffer.readFastCGIRecord() == FastCGIRecord(type: .stdin, requestID: 2))
        #expect(try buffer.readFastCGIRecord() == nil)
    }

    @Test(arguments: [0, 2, 0x46] as [UInt8])
    func throwsOnAVersionOtherThanOne(version: UInt8) {
        var buffer = makeRecord(type: 1, id: 1, content: [], version: version)
        #expect(throws: FastCGIProtocolError.unsupportedVersion(version)) {
            try buffer.readFastCGIRecord()
        }
    }

    @Test func rejectsABadVersionFromTheFirstByte() {
        var buffer = ByteBuffer(bytes: [2])
        #expect(throws: FastCGIProtocolError.unsupportedVersion(2)) {
            try buffer.readFastCGIRecord()
        }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 65535])
    func writesHeaderContentAndPaddingToEightBytes(length: Int) throws {
        let content = [UInt8](repeating: 0x41, count: length)
        var buffer = ByteBuffer()
        let written = buffer.writeFastCGIRecord(
            FastCGIRecord(type: .stdout, requestID: 513, content: ByteBuffer(bytes: content))
        )
        let padding = (8 - length % 8) % 8
        #expect(written == 8 + length + padding)
        #expect(buffer.readableBytes % 8 == 0)
        #expect(Array(buffer.readableBytesView.prefix(8)) == [1, 6, 2, 1, UInt8(length >> 8), UInt8(length & 0xFF), UInt8(padding), 0])
        #expect(buffer.readableBytesView.suffix(padding).allSatisfy { $0 == 0 })
        #expect(try buffer.readFastCGIRecord()?.content == ByteBuffer(bytes: content))
    }

    @Test func encodedSizeMatchesTheBytesWritten() {
        let record = FastCGIRecord(type: .stderr, requestID: 1, content: byteBuffer("abc"))
        var buffer = ByteBuffer()
        #expect(buffer.writeFastCGIRecord(record) == record.encodedSize)
        #expect(record.encodedSize == 16)
    }

    @Test func headerRoundTrips() {
        let header = FastCGIRecordHeader(type: .unknownType, requestID: 0xBEEF, contentLength: 0x0102, paddingLength: 6)
        var buffer = ByteBuffer()
        #expect(buffer.writeFastCGIRecordHeader(header) == FastCGIRecordHeader.size)
        #expect(Array(buffer.readableBytesView) == [1, 11, 0xBE, 0xEF, 1, 2, 6, 0])
        #expect(buffer.readFastCGIRecordHeader() == header)
        #expect(header.bodyLength == 0x0102 + 6)
    }

    @Test func maximumEncodedSizeIsHeaderPlusMaximalContentAndPadding() {
        #expect(FastCGIRecord.maximumEncodedSize == 8 + 65535 + 255)
    }
}
