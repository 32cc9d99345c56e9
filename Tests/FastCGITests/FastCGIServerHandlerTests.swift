import NIOCore
import NIOEmbedded
import Testing

@testable import FastCGI

@Suite struct FastCGIServerHandlerTests {
    let channel: EmbeddedChannel

    init() throws {
        self.channel = try Self.makeChannel()
    }

    static func makeChannel(configuration: FastCGIServerConfiguration = FastCGIServerConfiguration(maxConnections: 8, maxRequests: 64)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addFastCGIServerHandlers(configuration: configuration)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9000)).wait()
        return channel
    }

    func readParts() throws -> [FastCGIRequestPart] {
        var parts: [FastCGIRequestPart] = []
        while let part = try self.channel.readInbound(as: FastCGIRequestPart.self) {
            parts.append(part)
        }
        return parts
    }

    /// Every outbound buffer, each decoded into its records.
    func readWrites() throws -> [[FastCGIRecord]] {
        var writes: [[FastCGIRecord]] = []
        while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            writes.append(try decodeRecords(buffer))
        }
        return writes
    }

    func head(_ id: UInt16, keepConnection: Bool = true) -> FastCGIRequestPart {
        .head(FastCGIRequestHead(requestID: id, keepConnection: keepConnection, parameters: [FastCGIParameter(name: "SCRIPT_FILENAME", value: "/srv/index.lua")]))
    }

    @Test func aWholeRequestGoesUpAndTheResponseComesOut() throws {
        var input = makeRequestStart(id: 1)
        var body = makeRecord(type: .stdin, id: 1, content: Array("a=1".utf8), padding: 5)
        var end = makeRecord(type: .stdin, id: 1)
        input.writeBuffer(&body)
        input.writeBuffer(&end)
        try self.channel.writeInbound(input)
        #expect(try self.readParts() == [self.head(1), .body(requestID: 1, byteBuffer("a=1")), .end(requestID: 1)])

        try self.channel.writeOutbound(FastCGIResponsePart.stdout(requestID: 1, byteBuffer("Status: 200\r\n\r\nhi")))
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 1, appStatus: 0))
        #expect(try self.readWrites() == [
            [FastCGIRecord(type: .stdout, requestID: 1, content: byteBuffer("Status: 200\r\n\r\nhi"))],
            [FastCGIRecord(type: .stdout, requestID: 1), endRequestRecord(id: 1, appStatus: 0, status: .requestComplete)],
        ])
        #expect(self.channel.isActive)
    }

    @Test func recordsSplitAtEveryByteMakeTheSameParts() throws {
        var input = makeRequestStart(id: 2, params: [("A", String(repeating: "x", count: 200))])
        var end = makeRecord(type: .stdin, id: 2, padding: 3)
        input.writeBuffer(&end)
        while let byte = input.readSlice(length: 1) {
            try self.channel.writeInbound(byte)
        }
        let expectedHead = FastCGIRequestHead(requestID: 2, keepConnection: true, parameters: [FastCGIParameter(name: "A", value: String(repeating: "x", count: 200))])
        #expect(try self.readParts() == [.head(expectedHead), .end(requestID: 2)])
    }

    @Test func multiplexedRequestsInterleave() throws {
        var input = ByteBuffer()
        for var record in [
            makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true)),
            makeRecord(type: .beginRequest, id: 2, content: beginRequestContent(keepConnection: true)),
            makeRecord(type: .params, id: 2, content: nameValueBytes([("R", "two")])),
            makeRecord(type: .params, id: 1, content: nameValueBytes([("R", "one")])),
            makeRecord(type: .params, id: 1),
            makeRecord(type: .params, id: 2),
            makeRecord(type: .stdin, id: 2, content: [2]),
            makeRecord(type: .stdin, id: 1, content: [1]),
            makeRecord(type: .stdin, id: 2),
            makeRecord(type: .stdin, id: 1),
        ] {
            input.writeBuffer(&record)
        }
        try self.channel.writeInbound(input)
        #expect(try self.readParts() == [
            .head(FastCGIRequestHead(requestID: 1, keepConnection: true, parameters: [FastCGIParameter(name: "R", value: "one")])),
            .head(FastCGIRequestHead(requestID: 2, keepConnection: true, parameters: [FastCGIParameter(name: "R", value: "two")])),
            .body(requestID: 2, ByteBuffer(bytes: [2])),
            .body(requestID: 1, ByteBuffer(bytes: [1])),
            .end(requestID: 2),
            .end(requestID: 1),
        ])

        try self.channel.writeOutbound(FastCGIResponsePart.stdout(requestID: 2, byteBuffer("two")))
        try self.channel.writeOutbound(FastCGIResponsePart.stdout(requestID: 1, byteBuffer("one")))
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 2, appStatus: 0))
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 1, appStatus: 0))
        #expect(try self.readWrites() == [
            [FastCGIRecord(type: .stdout, requestID: 2, content: byteBuffer("two"))],
            [FastCGIRecord(type: .stdout, requestID: 1, content: byteBuffer("one"))],
            [FastCGIRecord(type: .stdout, requestID: 2), endRequestRecord(id: 2, appStatus: 0, status: .requestComplete)],
            [FastCGIRecord(type: .stdout, requestID: 1), endRequestRecord(id: 1, appStatus: 0, status: .requestComplete)],
        ])
        #expect(self.channel.isActive)
    }

    @Test func keepConnKeepsTheConnectionOpenAndTheIDReusable() throws {
        try self.channel.writeInbound(makeRequestStart(id: 1, keepConnection: true))
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 1, appStatus: 0))
        #expect(self.channel.isActive)
        try self.channel.writeInbound(makeRequestStart(id: 1, keepConnection: true))
        #expect(try self.readParts() == [self.head(1), self.head(1)])
    }

    @Test func withoutKeepConnTheConnectionClosesAfterEnd() throws {
        try self.channel.writeInbound(makeRequestStart(id: 1, keepConnection: false))
        #expect(try self.readParts() == [self.head(1, keepConnection: false)])
        let written = self.channel.eventLoop.makePromise(of: Void.self)
        self.channel.write(FastCGIResponsePart.end(requestID: 1, appStatus: 0), promise: written)
        // The handler flushes itself: a close must not strand the END_REQUEST.
        try written.futureResult.wait()
        #expect(!self.channel.isActive)
        #expect(try self.readWrites() == [[FastCGIRecord(type: .stdout, requestID: 1), endRequestRecord(id: 1, appStatus: 0, status: .requestComplete)]])
        // Nothing of the request goes up as an abort: it had ended.
        #expect(try self.readParts() == [])
    }

    @Test func endIsOneBufferOfEmptyStdoutAndEndRequest() throws {
        try self.channel.writeInbound(makeRequestStart(id: 3))
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 3, appStatus: 0x0102_0304))
        let buffer = try #require(try self.channel.readOutbound(as: ByteBuffer.self))
        var expected = makeRecord(type: .stdout, id: 3)
        var endRequest = makeRecord(type: .endRequest, id: 3, content: [1, 2, 3, 4, 0, 0, 0, 0])
        expected.writeBuffer(&endRequest)
        #expect(buffer == expected)
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test func stdoutBeyond65535BytesIsSplit() throws {
        try self.channel.writeInbound(makeRequestStart(id: 1))
        let content = ByteBuffer(bytes: (0..<150_000).map { UInt8(truncatingIfNeeded: $0) })
        try self.channel.writeOutbound(FastCGIResponsePart.stdout(requestID: 1, content))
        let writes = try self.readWrites()
        #expect(writes.count == 1)
        let records = try #require(writes.first)
        #expect(records.map(\.content.readableBytes) == [65535, 65535, 18930])
        #expect(records.allSatisfy { $0.type == .stdout && $0.requestID == 1 })
        var joined = ByteBuffer()
        for record in records {
            joined.writeImmutableBuffer(record.content)
        }
        #expect(joined == content)
    }

    @Test func outputIsNotFlushedUntilTheApplicationFlushes() throws {
        try self.channel.writeInbound(makeRequestStart(id: 1))
        self.channel.write(FastCGIResponsePart.stdout(requestID: 1, byteBuffer("x")), promise: nil)
        self.channel.write(FastCGIResponsePart.end(requestID: 1, appStatus: 0), promise: nil)
        #expect(try self.channel.readOutbound(as: ByteBuffer.self) == nil)
        self.channel.flush()
        #expect(try self.readWrites().count == 2)
    }

    @Test func getValuesIsAnsweredWithTheAskedForValues() throws {
        try self.channel.writeInbound(makeRecord(type: .getValues, id: 0, content: nameValueBytes([("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", ""), ("OTHER", "")])))
        let expected = FastCGIRecord(type: .getValuesResult, requestID: 0, content: ByteBuffer(bytes: nameValueBytes([("FCGI_MAX_CONNS", "8"), ("FCGI_MAX_REQS", "64"), ("FCGI_MPXS_CONNS", "1")])))
        #expect(try self.readWrites() == [[expected]])
        #expect(try self.readParts() == [])
        #expect(self.channel.isActive)
    }

    @Test func anUnknownManagementTypeGetsUnknownType() throws {
        try self.channel.writeInbound(makeRecord(type: 42, id: 0, content: [1, 2, 3], padding: 5))
        let buffer = try #require(try self.channel.readOutbound(as: ByteBuffer.self))
        #expect(buffer == makeRecord(type: .unknownType, id: 0, content: [42, 0, 0, 0, 0, 0, 0, 0]))
        #expect(try self.readParts() == [])
        #expect(self.channel.isActive)
    }

    @Test func aRoleOtherThanResponderGetsUnknownRoleAndNothingGoesUp() throws {
        var input = makeRecord(type: .beginRequest, id: 7, content: beginRequestContent(role: 2, keepConnection: true))
        var params = makeRecord(type: .params, id: 7)
        var stdin = makeRecord(type: .stdin, id: 7)
        input.writeBuffer(&params)
        input.writeBuffer(&stdin)
        try self.channel.writeInbound(input)
        #expect(try self.readWrites() == [[endRequestRecord(id: 7, appStatus: 0, status: .unknownRole)]])
        #expect(try self.readParts() == [])
        #expect(self.channel.isActive)
    }

    @Test func abortAnswersAtOnceIgnoresStrayStdinAndDropsLateOutput() throws {
        try self.channel.writeInbound(makeRequestStart(id: 4))
        #expect(try self.readParts() == [self.head(4)])

        try self.channel.writeInbound(makeRecord(type: .abortRequest, id: 4))
        #expect(try self.readParts() == [.abort(requestID: 4)])
        #expect(try self.readWrites() == [[endRequestRecord(id: 4, appStatus: 1, status: .requestComplete)]])

        try self.channel.writeInbound(makeRecord(type: .stdin, id: 4, content: [1, 2]))
        try self.channel.writeInbound(makeRecord(type: .stdin, id: 4))
        #expect(try self.readParts() == [])

        let late = self.channel.eventLoop.makePromise(of: Void.self)
        self.channel.write(FastCGIResponsePart.stdout(requestID: 4, byteBuffer("late")), promise: late)
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 4, appStatus: 0))
        try late.futureResult.wait()
        #expect(try self.readWrites() == [])
        #expect(self.channel.isActive)
    }

    @Test func channelInactiveAbortsEveryActiveRequest() throws {
        try self.channel.writeInbound(makeRequestStart(id: 1))
        try self.channel.writeInbound(makeRequestStart(id: 2))
        try self.channel.writeInbound(makeRequestStart(id: 3))
        try self.channel.writeOutbound(FastCGIResponsePart.end(requestID: 2, appStatus: 0))
        _ = try self.readParts()
        _ = try self.readWrites()
        try self.channel.close().wait()
        #expect(try self.readParts() == [.abort(requestID: 1), .abort(requestID: 3)])
    }

    @Test func paramsOfOneMebibyteAreAccepted() throws {
        let channel = try Self.makeChannel(configuration: FastCGIServerConfiguration())
        let value = ByteBuffer(repeating: 0x76, count: (1 << 20) - 9)
        var stream = ByteBuffer()
        stream.writeFastCGINameValuePair(name: byteBuffer("HTTP_HUGE"), value: value)
        try channel.writeInbound(makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true)))
        while let chunk = stream.readSlice(length: min(stream.readableBytes, 65535)) , chunk.readableBytes > 0 {
            try channel.writeInbound(makeRecord(type: .params, id: 1, content: chunk, padding: 7))
        }
        try channel.writeInbound(makeRecord(type: .params, id: 1))
        guard case .head(let head) = try channel.readInbound(as: FastCGIRequestPart.self) else {
            Issue.record("expected a head")
            return
        }
        #expect(head.parameterValue("HTTP_HUGE") == value)
        #expect(channel.isActive)
    }

    // MARK: Malformed input closes the connection and passes the error up.

    static let malformedInputs: [(String, [ByteBuffer], FastCGIProtocolError)] = [
        ("bad version", [makeRecord(type: 1, id: 1, content: beginRequestContent(keepConnection: true), version: 2)], .unsupportedVersion(2)),
        ("short BEGIN_REQUEST", [makeRecord(type: .beginRequest, id: 1, content: [0, 1, 1])], .invalidContentLength(.beginRequest, requestID: 1, length: 3)),
        ("duplicate BEGIN_REQUEST", [makeRequestStart(id: 1), makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true))], .duplicateRequestID(1)),
        (
            "params beyond the limit",
            [makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true)), makeRecord(type: .params, id: 1, content: [1, 0x80, 0x10, 0, 0])],
            .parametersTooLarge(bytes: 1 + (1 << 20), limit: 1 << 20)
        ),
        (
            "truncated name-value pair",
            [makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true)), makeRecord(type: .params, id: 1, content: [4, 4, 0x41]), makeRecord(type: .params, id: 1)],
            .truncatedNameValuePair(bytes: 3)
        ),
        ("STDOUT from the web server", [makeRecord(type: .stdout, id: 1, content: [1])], .unexpectedRecordType(.stdout, requestID: 1)),
        ("unknown application type", [makeRecord(type: 42, id: 1)], .unknownRecordType(FastCGIRecordType(rawValue: 42), requestID: 1)),
        ("STDIN before PARAMS end", [makeRecord(type: .beginRequest, id: 1, content: beginRequestContent(keepConnection: true)), makeRecord(type: .stdin, id: 1)], .outOfOrderRecord(.stdin, requestID: 1)),
    ]

    @Test(arguments: 0..<Self.malformedInputs.count)
    func malformedInputClosesTheConnectionAndPassesTheErrorUp(index: Int) throws {
        let (name, inputs, error) = Self.malformedInputs[index]
        #expect(throws: error, "\(name)") {
            for input in inputs {
                try self.channel.writeInbound(input)
            }
        }
        #expect(!self.channel.isActive, "\(name)")
        // After the error nothing more is read, and requests seen so far were aborted.
        let parts = try self.readParts()
        #expect(parts.allSatisfy { if case .head = $0 { true } else if case .abort = $0 { true } else { false } }, "\(name)")
    }

    @Test func oneConnectionsErrorLeavesAnotherAlone() throws {
        let other = try Self.makeChannel()
        try other.writeInbound(makeRequestStart(id: 1))
        #expect(throws: FastCGIProtocolError.unsupportedVersion(9)) {
            try self.channel.writeInbound(makeRecord(type: 1, id: 1, content: [], version: 9))
        }
        #expect(!self.channel.isActive)
        #expect(other.isActive)
        try other.writeOutbound(FastCGIResponsePart.end(requestID: 1, appStatus: 0))
        #expect(try other.readOutbound(as: ByteBuffer.self) != nil)
    }
}
