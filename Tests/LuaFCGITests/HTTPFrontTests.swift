import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import LuaFCGI

/// The HTTP front on an `EmbeddedChannel` with the whole HTTP pipeline: raw request
/// bytes in, raw response bytes out; a fake engine captures each `Request` and the
/// test answers through its sink, as a worker would.
@Suite struct HTTPFrontTests {
    /// Stands in for the worker loop's queue: keeps what is submitted, or refuses (a full queue).
    final class FakeEngine: Sendable {
        private let state = Mutex<(requests: [Request], accepting: Bool)>(([], true))

        var requests: [Request] { state.withLock { $0.requests } }
        func refuse() { state.withLock { $0.accepting = false } }

        func submit(_ request: Request) -> Bool {
            state.withLock { state in
                guard state.accepting else { return false }
                state.requests.append(request)
                return true
            }
        }
    }

    let engine = FakeEngine()
    let channel = EmbeddedChannel()

    init() throws {
        let settings = HTTPFront.Settings(
            documentRoot: "/srv/www", maxPost: 16, serverAddress: "0.0.0.0", serverPort: "8080")
        let engine = self.engine
        try channel.pipeline.syncOperations.addHTTPFront(settings) { engine.submit($0) }
        channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 8080)
        channel.connect(to: try SocketAddress(ipAddress: "192.0.2.7", port: 51234), promise: nil)
    }

    // MARK: helpers

    private func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    /// Everything written to the socket so far, as text.
    private func received() throws -> String {
        channel.embeddedEventLoop.run()
        var text = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = part else {
                Issue.record("file region written")
                continue
            }
            text += String(buffer: buffer)
        }
        return text
    }

    /// Answers `request` in one call, as a buffered response does.
    private func answer(_ request: Request, _ body: String, status: Int = 200) {
        let head = ResponseHead(
            status: ResponseStatus(code: status), headers: [HTTPHeaderLine(name: "Content-Type", value: "text/plain")],
            contentLength: body.utf8.count)
        request.sink.send(head: head, body: ByteBuffer(string: body), end: .complete)
    }

    private func finish() {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    // MARK: requests

    @Test func getWithQueryRunsTheScriptUnderTheRoot() throws {
        defer { finish() }
        try send("GET /app/hello.lua?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: test\r\n\r\n")
        let request = try #require(engine.requests.first)
        let env = request.parameters
        #expect(env["SCRIPT_FILENAME"] == "/srv/www/app/hello.lua")
        #expect(env["SCRIPT_NAME"] == "/app/hello.lua")
        #expect(env["QUERY_STRING"] == "x=1")
        #expect(env["REQUEST_URI"] == "/app/hello.lua?x=1")
        #expect(env["REQUEST_METHOD"] == "GET")
        #expect(env["SERVER_PROTOCOL"] == "HTTP/1.1")
        #expect(env["REMOTE_ADDR"] == "192.0.2.7")
        #expect(env["REMOTE_PORT"] == "51234")
        #expect(env["SERVER_ADDR"] == "127.0.0.1")
        #expect(env["SERVER_PORT"] == "8080")
        #expect(env["SERVER_NAME"] == "localhost")
        #expect(env["HTTP_USER_AGENT"] == "test")
        #expect(env["CONTENT_LENGTH"] == "")
        #expect(request.wholeBody.readableBytes == 0)
        #expect(try received() == "")  // nothing until the engine answers

        answer(request, "hello")
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
        #expect(channel.isActive)
    }

    @Test func postWithContentLengthBody() throws {
        defer { finish() }
        try send("POST /form.lua HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n")
        try send("Content-Length: 7\r\n\r\na=1")
        #expect(engine.requests.isEmpty)  // dispatched only at the end of the body
        try send("&b=2")
        let request = try #require(engine.requests.first)
        #expect(String(buffer: request.wholeBody) == "a=1&b=2")
        #expect(request.parameters["CONTENT_LENGTH"] == "7")
        #expect(request.parameters["CONTENT_TYPE"] == "application/x-www-form-urlencoded")
        #expect(request.parameters["HTTP_CONTENT_LENGTH"] == nil)
    }

    @Test func chunkedBodyArrivesWhole() throws {
        defer { finish() }
        try send("POST /up.lua HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        try send("5\r\nhello\r\n")
        try send("6\r\n world\r\n0\r\n\r\n")
        let request = try #require(engine.requests.first)
        #expect(String(buffer: request.wholeBody) == "hello world")
        #expect(request.parameters["CONTENT_LENGTH"] == "11")
        #expect(request.parameters["HTTP_TRANSFER_ENCODING"] == nil)
    }

    @Test func expectContinueGetsAnInterimResponse() throws {
        defer { finish() }
        try send("POST /up.lua HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        #expect(try received() == "HTTP/1.1 100 Continue\r\n\r\n")
        try send("ok")
        let request = try #require(engine.requests.first)
        answer(request, "done")
        #expect(try received().hasPrefix("HTTP/1.1 200 OK\r\n"))
    }

    // MARK: refusals

    @Test func tooLargeByContentLengthIs413AtOnce() throws {
        defer { finish() }
        try send("POST /x.lua HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n")
        let response = try received()
        #expect(response.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
        #expect(response.contains("Connection: close\r\n"))
        #expect(response.contains("<p>/x.lua</p>"))
        #expect(engine.requests.isEmpty)
        #expect(!channel.isActive)
    }

    @Test func tooLargeByBytesReceivedIs413() throws {
        defer { finish() }
        try send("POST /x.lua HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        try send("a\r\n0123456789\r\n")
        #expect(try received() == "")
        try send("7\r\n0123456\r\n")
        #expect(try received().hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
        #expect(engine.requests.isEmpty)
        #expect(!channel.isActive)
    }

    @Test func bodyOfExactlyMaxPostIsAccepted() throws {
        defer { finish() }
        try send("POST /x.lua HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n0123456789abcdef")
        #expect(try #require(engine.requests.first).wholeBody.readableBytes == 16)
    }

    @Test(arguments: ["/a/../etc/passwd.lua", "/%2e%2e/x.lua", "/a%00.lua"])
    func badPathIs400WithoutRunningAnything(_ path: String) throws {
        defer { finish() }
        try send("GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try received()
        #expect(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!response.contains("passwd"))
        #expect(engine.requests.isEmpty)
    }

    @Test func fullQueueIs503AndTheConnectionStays() throws {
        defer { finish() }
        engine.refuse()
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try received()
        #expect(response.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(response.contains("Content-Type: text/html; charset=utf-8\r\n"))
        #expect(!response.contains("Connection: close"))
        #expect(channel.isActive)
    }

    // MARK: keep-alive and framing

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        defer { finish() }
        try send("GET /one.lua HTTP/1.1\r\nHost: h\r\n\r\nGET /two.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(engine.requests.count == 1)  // the second waits for the first response
        answer(engine.requests[0], "one")
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\none")
        #expect(engine.requests.count == 2)
        #expect(engine.requests[1].parameters["SCRIPT_NAME"] == "/two.lua")
        answer(engine.requests[0], "stale")  // a late call for the first response goes nowhere
        answer(engine.requests[1], "two")
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\ntwo")
        #expect(channel.isActive)
    }

    @Test func connectionCloseIsHonoured() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        answer(try #require(engine.requests.first), "bye")
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye")
        #expect(!channel.isActive)
    }

    @Test func http10ClosesUnlessKeepAliveAsked() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.0\r\n\r\n")
        answer(try #require(engine.requests.first), "a")
        #expect(try received() == "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: close\r\n\r\na")
        #expect(!channel.isActive)
    }

    @Test func http10KeepAlive() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        answer(try #require(engine.requests.first), "a")
        #expect(try received() == "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\na")
        #expect(channel.isActive)
    }

    @Test func streamedResponseIsChunked() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try #require(engine.requests.first)
        let head = ResponseHead(status: .ok, headers: [HTTPHeaderLine(name: "Content-Type", value: "text/plain")])
        request.sink.send(head: head, body: ByteBuffer(string: "hello"), end: nil)
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n")
        request.sink.send(head: nil, body: ByteBuffer(string: " world"), end: nil)
        request.sink.send(head: nil, body: nil, end: .complete)
        #expect(try received() == "6\r\n world\r\n0\r\n\r\n")
        #expect(channel.isActive)
    }

    @Test func streamedResponseOverHTTP10IsCloseDelimited() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let request = try #require(engine.requests.first)
        let head = ResponseHead(status: .ok, headers: [HTTPHeaderLine(name: "Content-Type", value: "text/plain")])
        request.sink.send(head: head, body: ByteBuffer(string: "hello"), end: .complete)
        #expect(try received() == "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhello")
        #expect(!channel.isActive)
    }

    @Test func cutOffResponseClosesWithoutTheLastChunk() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try #require(engine.requests.first)
        request.sink.send(head: ResponseHead(status: .ok, headers: []), body: ByteBuffer(string: "part"), end: nil)
        request.sink.send(head: nil, body: nil, end: .failed)
        #expect(try received() == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\npart\r\n")
        #expect(!channel.isActive)
    }

    @Test func failedPageSentWholeKeepsTheConnection() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try #require(engine.requests.first)
        let body = ByteBuffer(string: "oops")
        request.sink.send(
            head: ResponseHead(status: .internalServerError, headers: [], contentLength: 4), body: body, end: .failed)
        #expect(try received() == "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops")
        #expect(channel.isActive)
    }

    @Test func headRequestGetsNoBody() throws {
        defer { finish() }
        try send("HEAD /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        answer(try #require(engine.requests.first), "hello")
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")
        #expect(channel.isActive)
    }

    @Test func scriptFramingHeadersAreReplaced() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let headers = [
            HTTPHeaderLine(name: "Content-Length", value: "999"), HTTPHeaderLine(name: "Connection", value: "close"),
            HTTPHeaderLine(name: "X-Script", value: "yes"),
        ]
        try #require(engine.requests.first).sink.send(
            head: ResponseHead(status: .ok, headers: headers, contentLength: 2), body: ByteBuffer(string: "ok"),
            end: .complete)
        #expect(try received() == "HTTP/1.1 200 OK\r\nX-Script: yes\r\nContent-Length: 2\r\n\r\nok")
        #expect(channel.isActive)
    }

    @Test func closedConnectionAbortsTheRequest() throws {
        defer { finish() }
        try send("GET /slow.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try #require(engine.requests.first)
        #expect(!request.isAborted)
        channel.close(promise: nil)
        #expect(request.isAborted)
        answer(request, "late")  // the worker finishes later: dropped quietly
        #expect(try received() == "")
    }

    @Test func malformedRequestIs400FromNIO() throws {
        defer { finish() }
        _ = try? send("GARBAGE\r\n\r\n")
        #expect(try received().hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(engine.requests.isEmpty)
        #expect(!channel.isActive)
    }
}

extension HTTPFrontTests {
    @Test func scriptReasonPhraseIsKept() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        try #require(engine.requests.first).sink.send(
            head: ResponseHead(status: ResponseStatus(code: 200, reason: "Fine"), headers: [], contentLength: 0),
            body: nil, end: .complete)
        #expect(try received() == "HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func noContentHasNoFraming() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        let request = try #require(engine.requests.first)
        request.sink.send(head: ResponseHead(status: ResponseStatus(code: 204), headers: []), body: nil, end: .complete)
        #expect(try received() == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(channel.isActive)
    }
}

extension HTTPFrontTests {
    @Test func halfClosedClientStillGetsItsAnswer() throws {
        defer { finish() }
        try send("GET /x.lua HTTP/1.1\r\nHost: h\r\n\r\n")
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(channel.isActive)
        answer(try #require(engine.requests.first), "ok")
        #expect(try received() == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        #expect(!channel.isActive)
    }

    @Test func halfClosedIdleConnectionCloses() throws {
        defer { finish() }
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
    }
}
