import NIOCore

/// The FastCGI 1.0 responder side of one connection, without I/O.
///
/// It takes events — a record arrived, the application wrote a part, the
/// connection closed — and answers with an action for whoever owns the
/// connection's I/O to carry out: in luafcgid, the worker serving the connection
/// (`FastCGIConnection`), which reads, decodes and writes the socket itself.
/// Keeping every rule here makes them testable with plain values:
///
/// - Requests are multiplexed: any number of IDs may be active at once
///   (`FCGI_MPXS_CONNS` = 1), up to `maxRequestsPerConnection`.
/// - A request is active from its BEGIN_REQUEST until the application ends it or
///   the web server aborts it; one the application ends before its STDIN ended
///   stays active until it does, and its END_REQUEST goes out then. Records and
///   outbound parts for IDs that are not active are ignored (§3.3), which covers
///   stray STDIN after an abort and output from an application still running an
///   aborted request.
/// - Without `FCGI_KEEP_CONN` the connection closes after that request's
///   END_REQUEST (§5.1); from then on, and after any protocol error, the state
///   machine ignores input and drops output until ``channelInactive()``.
/// - Management records (request ID 0, §4) are answered here and never reach the
///   application.
///
/// Each active request can carry the application's object for it, its
/// ``Handle`` (``attach(_:to:)``): so this one table answers both what the
/// protocol expects of request N and what the application is doing with it,
/// and an abort or a close finds it here. (A class, not a type parameter: a
/// generic type used from another module is not specialized, and looking up
/// its metadata at run time costs more than a whole request.)
public struct FastCGIConnectionStateMachine: Sendable {
    /// The application's object for one request.
    public typealias Handle = AnyObject & Sendable

    /// What to do after an inbound event.
    public enum Action: Sendable, Hashable {
        /// Nothing: the record was ignored, or only changed state.
        case doNothing
        /// Pass this part up to the application.
        case forward(FastCGIRequestPart)
        /// Pass these parts up, in order (the connection closed with requests active).
        case forwardAll([FastCGIRequestPart])
        /// Write these records as one buffer: the state machine's own answer (a
        /// management reply, a refusal, an abort's END_REQUEST). Close the
        /// connection once the write completes if `thenClose`.
        case send([FastCGIRecord], thenClose: Bool)
        /// `.send`, then pass the part up (an aborted request: its END_REQUEST goes
        /// out, and the application learns to stop waiting).
        case sendAndForward([FastCGIRecord], FastCGIRequestPart, thenClose: Bool)
        /// The peer broke the protocol: close the connection; the error says why, for the log.
        case close(FastCGIProtocolError)
    }

    /// What to do with a part the application wrote.
    public enum OutboundAction: Sendable, Hashable {
        /// Write these records as one buffer; when `thenClose`, close the
        /// connection once the write completes.
        case write([FastCGIRecord], thenClose: Bool)
        /// Write nothing: the request is not active (ended, aborted, never
        /// begun) or the connection is closing, or the part was empty.
        case drop
    }

    private enum State: Sendable {
        /// Reading records and writing responses.
        case open
        /// A close is under way (no keep-conn, or a protocol error); waiting for
        /// `channelInactive`. Active requests stay known so they can be aborted then.
        case closing
        /// The channel is inactive; nothing more happens.
        case closed
    }

    private struct Request: Sendable {
        enum Phase: Sendable {
            case readingParams(FastCGIParameterAccumulator)
            case readingStdin
            case stdinEnded
            /// The application ended it before its STDIN did: END_REQUEST waits for the empty STDIN.
            case answered(appStatus: UInt32)
        }

        var keepConnection: Bool
        var phase: Phase
        var handle: Handle?

        /// Whether the application has seen `.head` and so must hear of an abort.
        var isKnownToApplication: Bool {
            if case .readingParams = self.phase { false } else { true }
        }
    }

    private let configuration: FastCGIServerConfiguration
    private var state: State = .open
    private var requests: [UInt16: Request] = [:]

    public init(configuration: FastCGIServerConfiguration) {
        self.configuration = configuration
    }

    /// The IDs of the requests currently active, in ascending order.
    public var activeRequestIDs: [UInt16] {
        self.requests.keys.sorted()
    }

    /// Ties the application's handle to an active request (after its `.head` went up).
    public mutating func attach(_ handle: Handle, to requestID: UInt16) {
        self.requests[requestID]?.handle = handle
    }

    /// The handle attached to an active request.
    public func handle(of requestID: UInt16) -> Handle? {
        self.requests[requestID]?.handle
    }

    /// The handles of every active request (what a closing connection must abort).
    public var handles: [Handle] {
        self.requests.values.compactMap(\.handle)
    }

    // MARK: Inbound

    /// A record arrived from the web server: dispatch on its type (§8).
    public mutating func receivedRecord(_ record: FastCGIRecord) -> Action {
        guard case .open = self.state else {
            return .doNothing
        }
        if record.isManagement {
            return self.receivedManagementRecord(record)
        }
        let requestID = record.requestID
        switch record.type {
        case .beginRequest:
            var content = record.content
            do {
                let body = try content.readFastCGIBeginRequestBody(requestID: requestID)
                return self.receivedBeginRequest(requestID: requestID, body: body)
            } catch {
                return self.receivedProtocolError(error)
            }
        case .params:
            return self.receivedParams(requestID: requestID, content: record.content)
        case .stdin:
            return self.receivedStdin(requestID: requestID, content: record.content)
        case .abortRequest:
            return self.receivedAbort(requestID: requestID)
        case .data:
            // The filter role's stream; a responder has no use for it (§6.2).
            return .doNothing
        case let type where type.isKnown:
            return self.receivedProtocolError(.unexpectedRecordType(type, requestID: requestID))
        case let type:
            return self.receivedProtocolError(.unknownRecordType(type, requestID: requestID))
        }
    }

    /// BEGIN_REQUEST (§5.1): a responder request becomes active; other roles are
    /// refused with `FCGI_UNKNOWN_ROLE` at once, and nothing goes up.
    public mutating func receivedBeginRequest(requestID: UInt16, body: FastCGIBeginRequestBody) -> Action {
        guard case .open = self.state else {
            return .doNothing
        }
        guard self.requests[requestID] == nil else {
            return self.receivedProtocolError(.duplicateRequestID(requestID))
        }
        guard body.role == .responder else {
            return self.refuse(requestID: requestID, keepConnection: body.keepConnection, status: .unknownRole)
        }
        guard self.requests.count < self.configuration.maxRequestsPerConnection else {
            return self.refuse(requestID: requestID, keepConnection: body.keepConnection, status: .overloaded)
        }
        self.requests[requestID] = Request(
            keepConnection: body.keepConnection,
            phase: .readingParams(FastCGIParameterAccumulator(limit: self.configuration.maxParameterBytes))
        )
        return .doNothing
    }

    /// A PARAMS record (§5.2): content adds to the stream, the empty record closes
    /// it and passes the complete `.head` up.
    public mutating func receivedParams(requestID: UInt16, content: ByteBuffer) -> Action {
        guard case .open = self.state, var request = self.requests[requestID] else {
            return .doNothing
        }
        guard case .readingParams(var accumulator) = request.phase else {
            return self.receivedProtocolError(.outOfOrderRecord(.params, requestID: requestID))
        }
        do {
            if content.readableBytes > 0 {
                // Leave the phase while appending so the accumulator is uniquely referenced,
                // and put it back even when the append throws: a request whose parameters
                // were too large never reached the application, so the close must not abort it.
                request.phase = .readingStdin
                self.requests[requestID] = request
                defer {
                    request.phase = .readingParams(accumulator)
                    self.requests[requestID] = request
                }
                try accumulator.append(content)
                return .doNothing
            }
            let head = FastCGIRequestHead(
                requestID: requestID,
                keepConnection: request.keepConnection,
                parameters: try accumulator.finish()
            )
            request.phase = .readingStdin
            self.requests[requestID] = request
            return .forward(.head(head))
        } catch {
            return self.receivedProtocolError(error)
        }
    }

    /// A STDIN record (§5.3): content goes up as `.body`, the empty record as `.end`.
    public mutating func receivedStdin(requestID: UInt16, content: ByteBuffer) -> Action {
        guard case .open = self.state, var request = self.requests[requestID] else {
            return .doNothing
        }
        if case .answered(let appStatus) = request.phase {
            guard content.readableBytes == 0 else { return .doNothing }
            self.requests[requestID] = nil
            return .send(self.endRecords(requestID: requestID, appStatus: appStatus), thenClose: self.closeUnlessKept(request.keepConnection))
        }
        guard case .readingStdin = request.phase else {
            return self.receivedProtocolError(.outOfOrderRecord(.stdin, requestID: requestID))
        }
        if content.readableBytes > 0 {
            return .forward(.body(requestID: requestID, content))
        }
        request.phase = .stdinEnded
        self.requests[requestID] = request
        return .forward(.end(requestID: requestID))
    }

    /// ABORT_REQUEST (§5.4): answer with END_REQUEST (appStatus 1) at once, forget
    /// the request, and tell the application if it has seen the request.
    public mutating func receivedAbort(requestID: UInt16) -> Action {
        guard case .open = self.state, let request = self.requests.removeValue(forKey: requestID) else {
            return .doNothing
        }
        let records = [Self.endRequest(requestID: requestID, appStatus: 1, status: .requestComplete)]
        let thenClose = self.closeUnlessKept(request.keepConnection)
        guard request.isKnownToApplication else {
            return .send(records, thenClose: thenClose)
        }
        return .sendAndForward(records, .abort(requestID: requestID), thenClose: thenClose)
    }

    /// A management record (§4): GET_VALUES is answered, any other type gets UNKNOWN_TYPE.
    public mutating func receivedManagementRecord(_ record: FastCGIRecord) -> Action {
        guard case .open = self.state else {
            return .doNothing
        }
        guard record.type == .getValues else {
            var content = ByteBuffer()
            content.writeFastCGIUnknownTypeBody(FastCGIUnknownTypeBody(type: record.type))
            let reply = FastCGIRecord(type: .unknownType, requestID: FastCGIRecord.managementRequestID, content: content)
            return .send([reply], thenClose: false)
        }
        var query = record.content
        var result = ByteBuffer()
        var answered: Set<String> = []
        do {
            while let (name, _) = try query.readFastCGINameValuePair() {
                let name = String(buffer: name)
                guard let value = self.managementValue(name), answered.insert(name).inserted else {
                    continue
                }
                result.writeFastCGINameValuePair(name: name, value: value)
            }
        } catch {
            return self.receivedProtocolError(error)
        }
        guard query.readableBytes == 0 else {
            return self.receivedProtocolError(.truncatedNameValuePair(bytes: query.readableBytes))
        }
        let reply = FastCGIRecord(type: .getValuesResult, requestID: FastCGIRecord.managementRequestID, content: result)
        return .send([reply], thenClose: false)
    }

    /// The decoder or a record broke the protocol: close the connection.
    public mutating func receivedProtocolError(_ error: FastCGIProtocolError) -> Action {
        switch self.state {
        case .open, .closing:
            self.state = .closing
            return .close(error)
        case .closed:
            return .doNothing
        }
    }

    /// The connection is gone: every request the application has seen is aborted.
    public mutating func channelInactive() -> Action {
        self.state = .closed
        let aborted = self.requests.filter { $0.value.isKnownToApplication }.keys.sorted()
        self.requests = [:]
        guard !aborted.isEmpty else {
            return .doNothing
        }
        return .forwardAll(aborted.map { .abort(requestID: $0) })
    }

    // MARK: Outbound

    /// The application wrote a part: turn it into records, or drop it.
    public mutating func applicationWrote(_ part: FastCGIResponsePart) -> OutboundAction {
        switch part {
        case .stdout(let requestID, let content):
            self.applicationWroteStream(.stdout, requestID: requestID, content: content)
        case .stderr(let requestID, let content):
            self.applicationWroteStream(.stderr, requestID: requestID, content: content)
        case .end(let requestID, let appStatus):
            self.applicationEnded(requestID: requestID, appStatus: appStatus)
        }
    }

    /// STDOUT or STDERR content, split into records of at most 65535 bytes (§3.3).
    /// Empty content writes nothing: an empty record would close the stream.
    public func applicationWroteStream(
        _ type: FastCGIRecordType,
        requestID: UInt16,
        content: ByteBuffer
    ) -> OutboundAction {
        guard case .open = self.state, self.requests[requestID] != nil, content.readableBytes > 0 else {
            return .drop
        }
        var content = content
        var records: [FastCGIRecord] = []
        records.reserveCapacity(content.readableBytes / FastCGIRecord.maximumContentLength + 1)
        while let chunk = content.readSlice(length: min(content.readableBytes, FastCGIRecord.maximumContentLength)),
            chunk.readableBytes > 0
        {
            records.append(FastCGIRecord(type: type, requestID: requestID, content: chunk))
        }
        return .write(records, thenClose: false)
    }

    /// The application finished the request: the empty STDOUT record closes the
    /// stream and END_REQUEST reports `appStatus` (§5.3, §5.5).
    ///
    /// A request answered before its STDIN ended (an early 413, a handler that did not
    /// read the whole body) stays active until it does: the rest of its STDIN is read and
    /// dropped, and only then do the empty STDOUT and END_REQUEST go out. A web server
    /// still sending the body waits for the body to be taken before it reads an end
    /// (nginx does), and takes a close before it as a broken upstream.
    public mutating func applicationEnded(requestID: UInt16, appStatus: UInt32) -> OutboundAction {
        guard case .open = self.state, var request = self.requests[requestID] else {
            return .drop
        }
        switch request.phase {
        case .answered:
            return .drop
        case .readingStdin:
            request.phase = .answered(appStatus: appStatus)
            request.handle = nil
            self.requests[requestID] = request
            return .drop
        case .readingParams, .stdinEnded:
            break
        }
        self.requests[requestID] = nil
        return .write(self.endRecords(requestID: requestID, appStatus: appStatus), thenClose: self.closeUnlessKept(request.keepConnection))
    }

    private func endRecords(requestID: UInt16, appStatus: UInt32) -> [FastCGIRecord] {
        [
            FastCGIRecord(type: .stdout, requestID: requestID),
            Self.endRequest(requestID: requestID, appStatus: appStatus, status: .requestComplete),
        ]
    }

    // MARK: Helpers

    private mutating func refuse(requestID: UInt16, keepConnection: Bool, status: FastCGIProtocolStatus) -> Action {
        let records = [Self.endRequest(requestID: requestID, appStatus: 0, status: status)]
        return .send(records, thenClose: self.closeUnlessKept(keepConnection))
    }

    /// Moves to `.closing` when the request did not ask for `FCGI_KEEP_CONN`.
    private mutating func closeUnlessKept(_ keepConnection: Bool) -> Bool {
        guard !keepConnection else {
            return false
        }
        self.state = .closing
        return true
    }

    private func managementValue(_ name: String) -> String? {
        switch name {
        case FastCGIManagementVariable.maxConnections: String(self.configuration.maxConnections)
        case FastCGIManagementVariable.maxRequests: String(self.configuration.maxRequests)
        case FastCGIManagementVariable.multiplexesConnections: "1"
        default: nil
        }
    }

    private static func endRequest(
        requestID: UInt16,
        appStatus: UInt32,
        status: FastCGIProtocolStatus
    ) -> FastCGIRecord {
        var content = ByteBuffer()
        content.writeFastCGIEndRequestBody(FastCGIEndRequestBody(appStatus: appStatus, protocolStatus: status))
        return FastCGIRecord(type: .endRequest, requestID: requestID, content: content)
    }
}
