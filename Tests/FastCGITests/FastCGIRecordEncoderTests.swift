import NIOCore
import NIOEmbedded
import Testing

@testable import FastCGI

@Suite struct FastCGIRecordEncoderTests {
    @Test func encodesRecordsPaddedToEightBytes() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(FastCGIRecordEncoder()))
        try channel.writeOutbound(FastCGIRecord(type: .stdout, requestID: 2, content: byteBuffer("hello")))
        try channel.writeOutbound(FastCGIRecord(type: .stdout, requestID: 2))
        var expected = makeRecord(type: .stdout, id: 2, content: Array("hello".utf8), padding: 3)
        expected.setRepeatingByte(0, count: 3, at: expected.writerIndex - 3)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == expected)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == makeRecord(type: .stdout, id: 2))
        #expect(try channel.finish().isClean)
    }

    @Test func encoderAndDecoderRoundTrip() throws {
        let records = [
            FastCGIRecord(type: .getValues, requestID: 0, content: ByteBuffer(bytes: nameValueBytes([("FCGI_MAX_REQS", "")]))),
            FastCGIRecord(type: .stderr, requestID: 9, content: byteBuffer("oops")),
            FastCGIRecord(type: FastCGIRecordType(rawValue: 200), requestID: 0),
        ]
        var buffer = ByteBuffer()
        for record in records {
            try FastCGIRecordEncoder().encode(data: record, out: &buffer)
        }
        #expect(try decodeRecords(buffer) == records)
    }
}
