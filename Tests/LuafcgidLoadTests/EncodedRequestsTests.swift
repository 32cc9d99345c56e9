import FastCGI
import NIOCore
import Testing

@testable import luafcgid_load

/// The pre-encoded bytes must read back, through the server's own decoder and
/// state machine, as the request that was meant.
@Suite struct EncodedRequestsTests {
    /// What a responder makes of one request's bytes.
    private struct Received {
        var head: FastCGIRequestHead?
        var body = ByteBuffer()
        var ended = false
    }

    private func receive(_ requests: EncodedRequests, script: Int, id: UInt16) throws -> Received {
        var bytes = requests.head(script: script, id: id)
        if var body = requests.body(id: id) {
            bytes.writeBuffer(&body)
        }
        var stateMachine = FastCGIConnectionStateMachine(configuration: FastCGIServerConfiguration())
        var received = Received()
        while let record = try bytes.readFastCGIRecord() {
            #expect(record.requestID == id)
            #expect(record.content.readableBytes <= FastCGIRecord.maximumContentLength)
            switch stateMachine.receivedRecord(record) {
            case .doNothing: break
            case .forward(.head(let head)): received.head = head
            case .forward(.body(_, var chunk)): received.body.writeBuffer(&chunk)
            case .forward(.end): received.ended = true
            case let other: Issue.record("unexpected \(other)")
            }
        }
        #expect(bytes.readableBytes == 0)
        return received
    }

    @Test func aGetIsOneBufferWithTheNginxParametersAndAnEmptyBody() throws {
        let requests = EncodedRequests(scripts: ["/srv/www/hello.lua"], depth: 1, keepConnection: true, postBytes: 0)
        #expect(requests.body(id: 1) == nil)
        let received = try self.receive(requests, script: 0, id: 1)
        let head = try #require(received.head)
        #expect(head.requestID == 1)
        #expect(head.keepConnection)
        #expect(head.parameter("SCRIPT_FILENAME") == "/srv/www/hello.lua")
        #expect(head.parameter("SCRIPT_NAME") == "/hello.lua")
        #expect(head.parameter("REQUEST_URI") == "/hello.lua")
        #expect(head.parameter("DOCUMENT_URI") == "/hello.lua")
        #expect(head.parameter("DOCUMENT_ROOT") == "/srv/www")
        #expect(head.parameter("REQUEST_METHOD") == "GET")
        #expect(head.parameter("QUERY_STRING") == "")
        #expect(head.parameter("CONTENT_LENGTH") == "")
        let names = Set(head.parameters.map { String(buffer: $0.name) })
        #expect(
            names == [
                "SCRIPT_FILENAME", "SCRIPT_NAME", "REQUEST_METHOD", "QUERY_STRING", "REQUEST_URI", "DOCUMENT_URI",
                "DOCUMENT_ROOT", "SERVER_PROTOCOL", "GATEWAY_INTERFACE", "SERVER_SOFTWARE", "REMOTE_ADDR",
                "REMOTE_PORT", "SERVER_ADDR", "SERVER_PORT", "SERVER_NAME", "CONTENT_TYPE", "CONTENT_LENGTH",
                "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT",
            ])
        #expect(received.body.readableBytes == 0)
        #expect(received.ended)
    }

    @Test func aPostCarriesItsBodyInRecordsOfAtMost65535Bytes() throws {
        let requests = EncodedRequests(scripts: ["/srv/post.lua"], depth: 2, keepConnection: true, postBytes: 100_000)
        let received = try self.receive(requests, script: 0, id: 2)
        let head = try #require(received.head)
        #expect(head.parameter("REQUEST_METHOD") == "POST")
        #expect(head.parameter("CONTENT_LENGTH") == "100000")
        #expect(head.parameter("CONTENT_TYPE") == "application/octet-stream")
        #expect(received.body.readableBytes == 100_000)
        #expect(received.ended)
    }

    @Test func everyScriptAndIDHasItsOwnHeadAndTheFlagFollowsKeepConn() throws {
        let scripts = ["/a/one.lua", "/b/two.lua", "/c/three.lua"]
        let requests = EncodedRequests(scripts: scripts, depth: 4, keepConnection: false, postBytes: 10)
        for (index, script) in scripts.enumerated() {
            for id in 1...4 as ClosedRange<UInt16> {
                let received = try self.receive(requests, script: index, id: id)
                #expect(received.head?.requestID == id)
                #expect(received.head?.keepConnection == false)
                #expect(received.head?.parameter("SCRIPT_FILENAME") == script)
                #expect(received.body == ByteBuffer(repeating: UInt8(ascii: "x"), count: 10))
                #expect(received.ended)
            }
        }
    }
}
