import NIOCore
import Testing

@testable import FastCGI

@Suite struct FastCGIConnectionStateMachineTests {
    typealias Action = FastCGIConnectionStateMachine.Action

    var machine = FastCGIConnectionStateMachine(configuration: FastCGIServerConfiguration(maxConnections: 10, maxRequests: 50))

    /// BEGIN_REQUEST and the whole PARAMS stream; returns the action of the empty PARAMS record.
    mutating func start(_ id: UInt16, keepConnection: Bool = true, params: [(String, String)] = [("A", "1")]) -> Action {
        #expect(self.machine.receivedBeginRequest(requestID: id, body: FastCGIBeginRequestBody(role: .responder, keepConnection: keepConnection)) == .doNothing)
        #expect(self.machine.receivedParams(requestID: id, content: ByteBuffer(bytes: nameValueBytes(params))) == .doNothing)
        return self.machine.receivedParams(requestID: id, content: ByteBuffer())
    }

    func head(_ id: UInt16, keepConnection: Bool = true, params: [(String, String)] = [("A", "1")]) -> Action {
        .forward(.head(FastCGIRequestHead(requestID: id, keepConnection: keepConnection, parameters: params.map { FastCGIParameter(name: $0.0, value: $0.1) })))
    }

    // MARK: Requests

    @Test mutating func theEmptyParamsRecordPassesTheHeadUp() {
        let params = [("SCRIPT_FILENAME", "/a.lua"), ("QUERY_STRING", "x=1"), ("SCRIPT_FILENAME", "/b.lua")]
        #expect(self.start(1, keepConnection: false, params: params) == self.head(1, keepConnection: false, params: params))
        #expect(self.machine.activeRequestIDs == [1])
    }

    @Test mutating func paramsSpreadOverManyRecordsMakeOneHead() {
        let stream = nameValueBytes([("NAME", String(repeating: "v", count: 1000))])
        #expect(self.machine.receivedBeginRequest(requestID: 2, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        for chunk in stride(from: 0, to: stream.count, by: 7) {
            let content = ByteBuffer(bytes: stream[chunk..<min(chunk + 7, stream.count)])
            #expect(self.machine.receivedParams(requestID: 2, content: content) == .doNothing)
        }
        #expect(self.machine.receivedParams(requestID: 2, content: ByteBuffer()) == self.head(2, params: [("NAME", String(repeating: "v", count: 1000))]))
    }

    @Test mutating func stdinBecomesBodyPartsThenEnd() {
        _ = self.start(1)
        #expect(self.machine.receivedStdin(requestID: 1, content: byteBuffer("abc")) == .forward(.body(requestID: 1, byteBuffer("abc"))))
        #expect(self.machine.receivedStdin(requestID: 1, content: ByteBuffer()) == .forward(.end(requestID: 1)))
    }

    @Test mutating func multiplexedRequestsAreKeptApart() {
        #expect(self.machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.receivedBeginRequest(requestID: 2, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.receivedParams(requestID: 2, content: ByteBuffer(bytes: nameValueBytes([("R", "2")]))) == .doNothing)
        #expect(self.machine.receivedParams(requestID: 1, content: ByteBuffer(bytes: nameValueBytes([("R", "1")]))) == .doNothing)
        #expect(self.machine.receivedParams(requestID: 2, content: ByteBuffer()) == self.head(2, params: [("R", "2")]))
        #expect(self.machine.receivedParams(requestID: 1, content: ByteBuffer()) == self.head(1, params: [("R", "1")]))
        #expect(self.machine.activeRequestIDs == [1, 2])
    }

    @Test mutating func dataRecordsAreIgnored() {
        _ = self.start(1)
        #expect(self.machine.receivedRecord(FastCGIRecord(type: .data, requestID: 1, content: byteBuffer("x"))) == .doNothing)
    }

    @Test mutating func receivedRecordDispatchesOnType() {
        var content = ByteBuffer()
        content.writeFastCGIBeginRequestBody(FastCGIBeginRequestBody(role: .responder, keepConnection: true))
        #expect(self.machine.receivedRecord(FastCGIRecord(type: .beginRequest, requestID: 3, content: content)) == .doNothing)
        #expect(self.machine.receivedRecord(FastCGIRecord(type: .params, requestID: 3)) == .forward(.head(FastCGIRequestHead(requestID: 3, keepConnection: true, parameters: []))))
        #expect(self.machine.receivedRecord(FastCGIRecord(type: .stdin, requestID: 3)) == .forward(.end(requestID: 3)))
    }

    // MARK: Refusals

    @Test(arguments: [FastCGIRole.authorizer, .filter, FastCGIRole(rawValue: 77)])
    mutating func otherRolesAreRefusedWithUnknownRole(role: FastCGIRole) {
        let action = self.machine.receivedBeginRequest(requestID: 4, body: FastCGIBeginRequestBody(role: role, keepConnection: true))
        #expect(action == .send([endRequestRecord(id: 4, appStatus: 0, status: .unknownRole)], thenClose: false))
        #expect(self.machine.activeRequestIDs.isEmpty)
        #expect(self.machine.receivedParams(requestID: 4, content: ByteBuffer()) == .doNothing)
    }

    @Test mutating func anUnknownRoleWithoutKeepConnClosesAfterTheReply() {
        let action = self.machine.receivedBeginRequest(requestID: 4, body: FastCGIBeginRequestBody(role: .filter, keepConnection: false))
        #expect(action == .send([endRequestRecord(id: 4, appStatus: 0, status: .unknownRole)], thenClose: true))
    }

    @Test mutating func requestsBeyondThePerConnectionLimitAreOverloaded() {
        self.machine = FastCGIConnectionStateMachine(configuration: FastCGIServerConfiguration(maxRequestsPerConnection: 2))
        _ = self.start(1)
        _ = self.start(2)
        let action = self.machine.receivedBeginRequest(requestID: 3, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true))
        #expect(action == .send([endRequestRecord(id: 3, appStatus: 0, status: .overloaded)], thenClose: false))
        #expect(self.machine.activeRequestIDs == [1, 2])
    }

    // MARK: Abort

    @Test mutating func abortAnswersAtOnceAndTellsTheApplication() {
        _ = self.start(5)
        let action = self.machine.receivedAbort(requestID: 5)
        #expect(action == .sendAndForward([endRequestRecord(id: 5, appStatus: 1, status: .requestComplete)], .abort(requestID: 5), thenClose: false))
        #expect(self.machine.activeRequestIDs.isEmpty)
    }

    @Test mutating func afterAbortStrayInputIsIgnoredAndLateOutputDropped() {
        _ = self.start(5)
        _ = self.machine.receivedAbort(requestID: 5)
        #expect(self.machine.receivedStdin(requestID: 5, content: byteBuffer("late")) == .doNothing)
        #expect(self.machine.receivedStdin(requestID: 5, content: ByteBuffer()) == .doNothing)
        #expect(self.machine.receivedAbort(requestID: 5) == .doNothing)
        #expect(self.machine.applicationWrote(.stdout(requestID: 5, byteBuffer("x"))) == .drop)
        #expect(self.machine.applicationWrote(.end(requestID: 5, appStatus: 1)) == .drop)
    }

    @Test mutating func abortBeforeTheHeadIsNotPassedUp() {
        #expect(self.machine.receivedBeginRequest(requestID: 6, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.receivedAbort(requestID: 6) == .send([endRequestRecord(id: 6, appStatus: 1, status: .requestComplete)], thenClose: false))
    }

    @Test mutating func abortWithoutKeepConnClosesAfterTheReply() {
        _ = self.start(5, keepConnection: false)
        #expect(self.machine.receivedAbort(requestID: 5) == .sendAndForward([endRequestRecord(id: 5, appStatus: 1, status: .requestComplete)], .abort(requestID: 5), thenClose: true))
    }

    @Test mutating func channelInactiveAbortsEveryRequestTheApplicationHasSeen() {
        _ = self.start(3)
        _ = self.start(1)
        #expect(self.machine.receivedBeginRequest(requestID: 2, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.channelInactive() == .forwardAll([.abort(requestID: 1), .abort(requestID: 3)]))
        #expect(self.machine.activeRequestIDs.isEmpty)
        #expect(self.machine.channelInactive() == .doNothing)
    }

    @Test mutating func recordsForUnknownIDsAreIgnored() {
        #expect(self.machine.receivedParams(requestID: 9, content: byteBuffer("x")) == .doNothing)
        #expect(self.machine.receivedStdin(requestID: 9, content: byteBuffer("x")) == .doNothing)
        #expect(self.machine.receivedAbort(requestID: 9) == .doNothing)
        #expect(self.machine.receivedRecord(FastCGIRecord(type: .data, requestID: 9)) == .doNothing)
    }

    // MARK: Output

    @Test mutating func endWritesAnEmptyStdoutAndEndRequest() {
        _ = self.start(1)
        _ = self.machine.receivedStdin(requestID: 1, content: ByteBuffer())
        #expect(self.machine.applicationWrote(.end(requestID: 1, appStatus: 7)) == .write([FastCGIRecord(type: .stdout, requestID: 1), endRequestRecord(id: 1, appStatus: 7, status: .requestComplete)], thenClose: false))
        #expect(self.machine.activeRequestIDs.isEmpty)
        #expect(self.machine.applicationWrote(.end(requestID: 1, appStatus: 0)) == .drop)
    }

    @Test mutating func endWithoutKeepConnClosesAndThenIgnoresEverything() {
        _ = self.start(1, keepConnection: false)
        #expect(self.machine.receivedStdin(requestID: 1, content: ByteBuffer()) == .forward(.end(requestID: 1)))
        _ = self.start(2)
        guard case .write(_, thenClose: true) = self.machine.applicationWrote(.end(requestID: 1, appStatus: 0)) else {
            Issue.record("expected a write that closes")
            return
        }
        #expect(self.machine.receivedBeginRequest(requestID: 3, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.receivedStdin(requestID: 2, content: byteBuffer("x")) == .doNothing)
        #expect(self.machine.applicationWrote(.stdout(requestID: 2, byteBuffer("x"))) == .drop)
        #expect(self.machine.channelInactive() == .forwardAll([.abort(requestID: 2)]))
    }

    /// A web server still sending a body waits for it to be taken before it reads an
    /// end (nginx does): an answer given before STDIN ended holds back its END_REQUEST,
    /// drops the rest of STDIN, and ends when STDIN does.
    @Test(arguments: [true, false])
    mutating func anEarlyEndWaitsForTheEndOfStdin(keepConnection: Bool) {
        _ = self.start(1, keepConnection: keepConnection)
        #expect(self.machine.applicationWrote(.end(requestID: 1, appStatus: 0)) == .drop)
        #expect(self.machine.receivedStdin(requestID: 1, content: byteBuffer("rest")) == .doNothing)
        #expect(self.machine.activeRequestIDs == [1])
        #expect(
            self.machine.receivedRecord(FastCGIRecord(type: .stdin, requestID: 1))
                == .send([FastCGIRecord(type: .stdout, requestID: 1), endRequestRecord(id: 1, appStatus: 0, status: .requestComplete)], thenClose: !keepConnection))
        #expect(self.machine.activeRequestIDs.isEmpty)
    }

    private final class Handle: Sendable {}

    @Test mutating func aHandleAttachedToARequestIsFoundUntilItEnds() {
        _ = self.start(1)
        let handle = Handle()
        self.machine.attach(handle, to: 1)
        #expect(self.machine.handle(of: 1) === handle)
        #expect(self.machine.handles.count == 1 && self.machine.handles[0] === handle)
        _ = self.machine.applicationWrote(.end(requestID: 1, appStatus: 0))
        #expect(self.machine.handle(of: 1) == nil)
        #expect(self.machine.handles.isEmpty)
    }

    @Test mutating func stdoutIsSplitIntoRecordsOfAtMost65535Bytes() {
        _ = self.start(1)
        let content = ByteBuffer(repeating: 0x61, count: 65535 * 2 + 1)
        guard case .write(let records, thenClose: false) = self.machine.applicationWrote(.stdout(requestID: 1, content)) else {
            Issue.record("expected a write")
            return
        }
        #expect(records.map(\.content.readableBytes) == [65535, 65535, 1])
        #expect(records.allSatisfy { $0.type == .stdout && $0.requestID == 1 })
    }

    @Test mutating func stderrBecomesStderrRecords() {
        _ = self.start(1)
        #expect(self.machine.applicationWrote(.stderr(requestID: 1, byteBuffer("boom"))) == .write([FastCGIRecord(type: .stderr, requestID: 1, content: byteBuffer("boom"))], thenClose: false))
    }

    @Test mutating func emptyOutputWritesNothing() {
        _ = self.start(1)
        #expect(self.machine.applicationWrote(.stdout(requestID: 1, ByteBuffer())) == .drop)
        #expect(self.machine.applicationWrote(.stderr(requestID: 1, ByteBuffer())) == .drop)
        #expect(self.machine.activeRequestIDs == [1])
    }

    // MARK: Management

    @Test mutating func getValuesAnswersOnlyTheAskedForNames() throws {
        let query = FastCGIRecord(type: .getValues, requestID: 0, content: ByteBuffer(bytes: nameValueBytes([("FCGI_MPXS_CONNS", ""), ("FCGI_UNHEARD_OF", ""), ("FCGI_MAX_REQS", "")])))
        let expected = FastCGIRecord(type: .getValuesResult, requestID: 0, content: ByteBuffer(bytes: nameValueBytes([("FCGI_MPXS_CONNS", "1"), ("FCGI_MAX_REQS", "50")])))
        #expect(self.machine.receivedRecord(query) == .send([expected], thenClose: false))
    }

    @Test mutating func getValuesAnswersAllThree() {
        let query = FastCGIRecord(type: .getValues, requestID: 0, content: ByteBuffer(bytes: nameValueBytes([("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", "")])))
        let expected = FastCGIRecord(type: .getValuesResult, requestID: 0, content: ByteBuffer(bytes: nameValueBytes([("FCGI_MAX_CONNS", "10"), ("FCGI_MAX_REQS", "50"), ("FCGI_MPXS_CONNS", "1")])))
        #expect(self.machine.receivedManagementRecord(query) == .send([expected], thenClose: false))
    }

    @Test(arguments: [42, 1, 5, 10, 11, 255] as [UInt8])
    mutating func otherManagementTypesGetUnknownType(type: UInt8) {
        var content = ByteBuffer()
        content.writeFastCGIUnknownTypeBody(FastCGIUnknownTypeBody(type: FastCGIRecordType(rawValue: type)))
        let action = self.machine.receivedRecord(FastCGIRecord(type: FastCGIRecordType(rawValue: type), requestID: 0, content: byteBuffer("ignored")))
        #expect(action == .send([FastCGIRecord(type: .unknownType, requestID: 0, content: content)], thenClose: false))
    }

    // MARK: Malformed input

    @Test mutating func aDuplicateBeginRequestCloses() {
        _ = self.start(1)
        #expect(self.machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .close(.duplicateRequestID(1)))
    }

    @Test mutating func aBeginRequestBodyOfTheWrongLengthCloses() {
        let record = FastCGIRecord(type: .beginRequest, requestID: 1, content: ByteBuffer(bytes: [0, 1, 1, 0, 0, 0, 0]))
        #expect(self.machine.receivedRecord(record) == .close(.invalidContentLength(.beginRequest, requestID: 1, length: 7)))
    }

    @Test mutating func stdinBeforeTheParamsEndCloses() {
        #expect(self.machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.receivedStdin(requestID: 1, content: byteBuffer("x")) == .close(.outOfOrderRecord(.stdin, requestID: 1)))
    }

    @Test mutating func paramsAfterTheParamsEndClose() {
        _ = self.start(1)
        #expect(self.machine.receivedParams(requestID: 1, content: byteBuffer("x")) == .close(.outOfOrderRecord(.params, requestID: 1)))
    }

    @Test mutating func stdinAfterTheStdinEndCloses() {
        _ = self.start(1)
        _ = self.machine.receivedStdin(requestID: 1, content: ByteBuffer())
        #expect(self.machine.receivedStdin(requestID: 1, content: ByteBuffer()) == .close(.outOfOrderRecord(.stdin, requestID: 1)))
    }

    @Test(arguments: [FastCGIRecordType.stdout, .stderr, .endRequest, .getValues, .getValuesResult, .unknownType])
    mutating func applicationOnlyTypesFromThePeerClose(type: FastCGIRecordType) {
        #expect(self.machine.receivedRecord(FastCGIRecord(type: type, requestID: 1)) == .close(.unexpectedRecordType(type, requestID: 1)))
    }

    @Test(arguments: [0, 12, 42, 255] as [UInt8])
    mutating func unknownApplicationTypesClose(type: UInt8) {
        let type = FastCGIRecordType(rawValue: type)
        #expect(self.machine.receivedRecord(FastCGIRecord(type: type, requestID: 1)) == .close(.unknownRecordType(type, requestID: 1)))
    }

    @Test mutating func paramsBeyondTheLimitClose() {
        self.machine = FastCGIConnectionStateMachine(configuration: FastCGIServerConfiguration(maxParameterBytes: 100))
        #expect(self.machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        let content = ByteBuffer(bytes: nameValueBytes([("N", String(repeating: "v", count: 100))]))
        #expect(self.machine.receivedParams(requestID: 1, content: content) == .close(.parametersTooLarge(bytes: 101, limit: 100)))
    }

    /// Found by fuzzing: PARAMS over the limit left the request looking as if the
    /// application had its head, so the close aborted a request it was never given.
    @Test mutating func paramsBeyondTheLimitAreNotAbortedWhenTheConnectionCloses() {
        self.machine = FastCGIConnectionStateMachine(configuration: FastCGIServerConfiguration(maxParameterBytes: 100))
        #expect(self.machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        let content = ByteBuffer(bytes: nameValueBytes([("N", String(repeating: "v", count: 100))]))
        #expect(self.machine.receivedParams(requestID: 1, content: content) == .close(.parametersTooLarge(bytes: 101, limit: 100)))
        #expect(self.machine.channelInactive() == .doNothing)
    }

    @Test mutating func aParamsStreamEndingInsideAPairCloses() {
        #expect(self.machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true)) == .doNothing)
        #expect(self.machine.receivedParams(requestID: 1, content: ByteBuffer(bytes: [3, 3, 0x41])) == .doNothing)
        #expect(self.machine.receivedParams(requestID: 1, content: ByteBuffer()) == .close(.truncatedNameValuePair(bytes: 3)))
    }

    @Test mutating func aTruncatedGetValuesCloses() {
        let query = FastCGIRecord(type: .getValues, requestID: 0, content: ByteBuffer(bytes: [14, 0, 0x46]))
        #expect(self.machine.receivedRecord(query) == .close(.truncatedNameValuePair(bytes: 3)))
    }

    @Test mutating func afterAProtocolErrorInputIsIgnoredAndActiveRequestsAbortOnClose() {
        _ = self.start(1)
        #expect(self.machine.receivedProtocolError(.unsupportedVersion(9)) == .close(.unsupportedVersion(9)))
        #expect(self.machine.receivedStdin(requestID: 1, content: byteBuffer("x")) == .doNothing)
        #expect(self.machine.applicationWrote(.stdout(requestID: 1, byteBuffer("x"))) == .drop)
        #expect(self.machine.channelInactive() == .forwardAll([.abort(requestID: 1)]))
        #expect(self.machine.receivedProtocolError(.unsupportedVersion(9)) == .doNothing)
    }
}
