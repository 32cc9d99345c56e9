import NIOCore
import Testing

@testable import FastCGI

@Suite struct ByteBufferFastCGIStreamTests {
    @Test func anEmptyStreamIsOnlyTheClosingRecord() throws {
        var buffer = ByteBuffer()
        let written = buffer.writeFastCGIStream(.stdin, requestID: 7, content: ByteBuffer())
        #expect(buffer == makeRecord(type: .stdin, id: 7))
        #expect(written == FastCGIRecordHeader.size)
    }

    @Test func aShortStreamIsOneRecordAndTheClosingOne() throws {
        var buffer = ByteBuffer()
        buffer.writeFastCGIStream(.params, requestID: 3, content: byteBuffer("abc"))
        #expect(
            try decodeRecords(buffer) == [
                FastCGIRecord(type: .params, requestID: 3, content: byteBuffer("abc")),
                FastCGIRecord(type: .params, requestID: 3),
            ])
    }

    @Test(arguments: [65535, 65536, 2 * 65535 + 1])
    func longContentIsSplitIntoRecordsOfAtMost65535Bytes(length: Int) throws {
        let content = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0) })
        var buffer = ByteBuffer()
        let written = buffer.writeFastCGIStream(.stdin, requestID: 0x0102, content: content)
        let records = try decodeRecords(buffer)
        #expect(written == buffer.readableBytes)
        #expect(records.allSatisfy { $0.type == .stdin && $0.requestID == 0x0102 })
        #expect(records.dropLast().allSatisfy { $0.content.readableBytes > 0 && $0.content.readableBytes <= 65535 })
        #expect(records.last?.content.readableBytes == 0)
        #expect(records.count == (length + 65534) / 65535 + 1)
        var joined = ByteBuffer()
        for var record in records { joined.writeBuffer(&record.content) }
        #expect(joined == content)
    }
}
