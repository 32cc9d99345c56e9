import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import FastCGI

@Suite struct FastCGIRecordDecoderTests {
    @Test func decodesRecordsSplitAtEveryByteWithAnyPadding() throws {
        let big = [UInt8]((0..<300).map { UInt8(truncatingIfNeeded: $0) })
        let fixtures: [(ByteBuffer, [FastCGIRecord])] = [
            (
                makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true), padding: 0),
                [FastCGIRecord(type: .beginRequest, requestID: 1, content: ByteBuffer(bytes: beginRequestContent(keepConnection: true)))]
            ),
            (
                makeRecord(type: .params, id: 1, content: nameValueBytes([("A", "b")]), padding: 5),
                [FastCGIRecord(type: .params, requestID: 1, content: ByteBuffer(bytes: nameValueBytes([("A", "b")])))]
            ),
            (makeRecord(type: .params, id: 1, padding: 255), [FastCGIRecord(type: .params, requestID: 1)]),
            (
                makeRecord(type: 42, id: 0, content: [9], padding: 1),
                [FastCGIRecord(type: FastCGIRecordType(rawValue: 42), requestID: 0, content: ByteBuffer(bytes: [9]))]
            ),
            (
                makeRecord(type: .stdin, id: 0xFFFF, content: big, padding: 255),
                [FastCGIRecord(type: .stdin, requestID: 0xFFFF, content: ByteBuffer(bytes: big))]
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: fixtures) { FastCGIRecordDecoder() }
    }

    @Test func aBadVersionIsAnErrorOfTheFirstRecord() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FastCGIRecordDecoder()))
        #expect(throws: FastCGIProtocolError.unsupportedVersion(0x47)) {
            // "GET / HTTP/1.1" sent to the FastCGI port.
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        }
        #expect(try channel.readInbound(as: FastCGIRecord.self) == nil)
    }

    @Test func aBadVersionAfterAGoodRecordStillThrows() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FastCGIRecordDecoder()))
        var input = makeRecord(type: .stdin, id: 1)
        var bad = makeRecord(type: 5, id: 1, version: 2)
        input.writeBuffer(&bad)
        #expect(throws: FastCGIProtocolError.unsupportedVersion(2)) {
            try channel.writeInbound(input)
        }
        #expect(try channel.readInbound(as: FastCGIRecord.self) == FastCGIRecord(type: .stdin, requestID: 1))
    }

    @Test func aRecordCutOffByTheCloseIsDroppedSilently() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FastCGIRecordDecoder()))
        var input = makeRecord(type: .stdin, id: 1, content: [1, 2, 3])
        var partial = makeRecord(type: .stdin, id: 1, content: [1, 2, 3, 4])
        partial.moveWriterIndex(to: partial.writerIndex - 2)
        input.writeBuffer(&partial)
        try channel.writeInbound(input)
        #expect(try channel.readInbound(as: FastCGIRecord.self)?.content == ByteBuffer(bytes: [1, 2, 3]))
        #expect(try channel.finish().isClean)
    }

    @Test func aMaximalRecordFitsTheBoundedBuffer() throws {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(FastCGIRecordDecoder(), maximumBufferSize: FastCGIRecord.maximumEncodedSize)
        )
        var record = makeRecord(type: .stdin, id: 7, content: [UInt8](repeating: 1, count: 65535), padding: 255)
        let head = record.readSlice(length: record.readableBytes - 1)!
        try channel.writeInbound(head)
        #expect(try channel.readInbound(as: FastCGIRecord.self) == nil)
        try channel.writeInbound(record)
        #expect(try channel.readInbound(as: FastCGIRecord.self)?.content.readableBytes == 65535)
        #expect(try channel.finish().isClean)
    }
}
