import NIOCore
import NIOEmbedded
import Testing

@testable import LuaFCGI

/// The HTTP front's answers are counted once each: the engine's through the
/// request's sink, the front's own 400, 413 and 503 too.
@Suite struct HTTPFrontCountingTests {
    let engine = HTTPFrontTests.FakeEngine()
    let channel = EmbeddedChannel()
    let statistics = ServerStatistics()

    init() throws {
        let settings = HTTPFront.Settings(
            documentRoot: "/srv/www", maxPost: 16, serverAddress: "0.0.0.0", serverPort: "8080",
            observer: ResponseObserver(statistics: statistics, accessLog: nil))
        let engine = self.engine
        try channel.pipeline.syncOperations.addHTTPFront(settings) { engine.submit($0) }
        channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 8080)
        channel.connect(to: try SocketAddress(ipAddress: "192.0.2.7", port: 51234), promise: nil)
    }

    private func exchange(_ text: String) -> String {
        _ = try? channel.writeInbound(ByteBuffer(string: text))
        channel.embeddedEventLoop.run()
        var received = ""
        while let part = try? channel.readOutbound(as: IOData.self), case .byteBuffer(let buffer) = part {
            received += String(buffer: buffer)
        }
        return received
    }

    @Test func anEngineAnswerAndAFullQueueCountOnceEach() throws {
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        _ = exchange("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try #require(engine.requests.first)
        let body = ByteBuffer(string: "hi")
        request.sink.send(head: ResponseHead(status: .ok, headers: [], contentLength: 2), body: body, end: .complete)
        #expect(exchange("").hasPrefix("HTTP/1.1 200"))
        engine.refuse()
        #expect(exchange("GET /y.lua HTTP/1.1\r\nHost: h\r\n\r\n").hasPrefix("HTTP/1.1 503"))
        #expect(statistics.answersByClass == [0, 1, 0, 0, 1])
        #expect(statistics.aborted.current == 0)
    }

    @Test func theFrontsOwn413And400AreCounted() {
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        #expect(exchange("POST /x.lua HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n").hasPrefix("HTTP/1.1 413"))
        #expect(statistics.answersByClass == [0, 0, 0, 1, 0])
    }

    @Test func aRequestNIOCannotParseIsCountedAs400() {
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        #expect(exchange("GARBAGE\r\n\r\n").hasPrefix("HTTP/1.1 400"))
        #expect(statistics.answersByClass == [0, 0, 0, 1, 0])
    }
}
