import Dispatch
import NIOCore
import NIOPosix
import Testing

@testable import LuaFCGI

/// The HTTP front on a real loopback socket, answered from other threads as the
/// workers do: the hops to the event loop, pipelining and the close at the end.
@Suite struct HTTPFrontSocketTests {
    /// Collects what the server sends until it closes the connection.
    final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private var received = ""
        private let done: EventLoopPromise<String>

        init(done: EventLoopPromise<String>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.succeed(received)
        }
    }

    @Test(.timeLimit(.minutes(1))) func pipelinedRequestsOverTCP() async throws {
        let settings = HTTPFront.Settings(documentRoot: "/srv", maxPost: 1024, serverAddress: "127.0.0.1", serverPort: "0")
        // A worker: the first answer streams in three calls, the second is buffered.
        let submit: @Sendable (Request) -> Bool = { request in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) {
                let name = request.parameters["SCRIPT_NAME"] ?? "?"
                let body = String(buffer: request.wholeBody)
                let type = [HTTPHeaderLine(name: "Content-Type", value: "text/plain")]
                if body.isEmpty {
                    let text = ByteBuffer(string: "\(name) \(request.parameters["REMOTE_ADDR"] ?? "?")")
                    request.sink.send(
                        head: ResponseHead(status: .ok, headers: type, contentLength: text.readableBytes), body: text,
                        end: .complete)
                } else {
                    request.sink.send(head: ResponseHead(status: .ok, headers: type), body: nil, end: nil)
                    request.sink.send(head: nil, body: ByteBuffer(string: "\(name) got "), end: nil)
                    request.sink.send(head: nil, body: ByteBuffer(string: body), end: .complete)
                }
            }
            return true
        }
        let requests =
            "POST /echo.lua HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /two.lua HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let response = try await exchange(requests, settings: settings, submit: submit)

        #expect(
            response
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
                + "e\r\n/echo.lua got \r\n3\r\nabc\r\n0\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\nConnection: close\r\n\r\n"
                + "/two.lua 127.0.0.1")
    }

    /// Serves `settings` with `submit` on loopback, sends `requests` on one connection
    /// and returns everything the server sent until it closed the connection.
    private func exchange(
        _ requests: String, settings: HTTPFront.Settings, submit: @escaping @Sendable (Request) -> Bool
    ) async throws -> String {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPFront(settings, submit: submit)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let done = group.next().makePromise(of: String.self)
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await client.writeAndFlush(ByteBuffer(string: requests)).get()
        let response = try await done.futureResult.get()
        try await server.close().get()
        try await group.shutdownGracefully()
        return response
    }

    /// A worker answering "ok" after `delay`.
    private static func answering(after delay: DispatchTimeInterval) -> @Sendable (Request) -> Bool {
        { request in
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) {
                let body = ByteBuffer(string: "ok")
                request.sink.send(
                    head: ResponseHead(status: .ok, headers: [], contentLength: body.readableBytes), body: body,
                    end: .complete)
            }
            return true
        }
    }

    @Test(.timeLimit(.minutes(1))) func anIdleKeepAliveConnectionIsClosedByTheServer() async throws {
        let settings = HTTPFront.Settings(
            documentRoot: "/srv", maxPost: 1024, serverAddress: "127.0.0.1", serverPort: "0", idleTimeout: .seconds(1))
        // The client keeps the connection open; only the idle timeout can end it. (The timeouts
        // here leave room for a loaded machine: a request arriving later than the timeout
        // would rightly find its connection closed.)
        let response = try await exchange(
            "GET /a.lua HTTP/1.1\r\nHost: x\r\n\r\n", settings: settings, submit: Self.answering(after: .milliseconds(1)))
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(response.hasSuffix("\r\n\r\nok"))
    }

    @Test(.timeLimit(.minutes(1))) func aSlowResponseIsNotTheClientsIdleness() async throws {
        let settings = HTTPFront.Settings(
            documentRoot: "/srv", maxPost: 1024, serverAddress: "127.0.0.1", serverPort: "0", idleTimeout: .seconds(1))
        let response = try await exchange(
            "GET /slow.lua HTTP/1.1\r\nHost: x\r\n\r\n", settings: settings, submit: Self.answering(after: .seconds(3)))
        #expect(response.hasSuffix("\r\n\r\nok"))
    }
}
