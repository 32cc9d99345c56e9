import NIOCore
import NIOEmbedded
import Testing

@testable import FastCGI

@Suite struct ChannelPipelineFastCGITests {
    @Test func addsTheDecoderAndTheServerHandler() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addFastCGIServerHandlers(configuration: FastCGIServerConfiguration())
        #expect(throws: Never.self) {
            _ = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<FastCGIRecordDecoder>.self)
            _ = try channel.pipeline.syncOperations.handler(type: FastCGIServerHandler.self)
        }
    }

    @Test func bytesInRequestPartsOut() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addFastCGIServerHandlers(configuration: FastCGIServerConfiguration())
        try channel.writeInbound(makeRequestStart(id: 9, params: []))
        #expect(try channel.readInbound(as: FastCGIRequestPart.self) == .head(FastCGIRequestHead(requestID: 9, keepConnection: true, parameters: [])))
    }
}
