import FastCGI
import FuzzSupport
import NIOCore

/// What ``FastCGIConnectionStateMachine`` should answer, worked out afresh from FastCGI 1.0
/// and the rules its doc comment states, and compared action by action with what it does.
///
/// An executable specification rather than a handful of properties, because the exact
/// action is cheap to know and says the most: it covers "no output for a request ID the
/// machine does not know", at most one END_REQUEST per BEGIN_REQUEST, nothing after a
/// close, and the parameters of every head (checked with ``ReferenceNameValueStream``).
/// Where it differs from the machine, one of the two is wrong: read the spec.
struct ConnectionModel {
    typealias Action = FastCGIConnectionStateMachine.Action

    enum Phase: Equatable {
        /// The PARAMS bytes so far.
        case params([UInt8])
        case stdin
        case stdinEnded
        /// Ended by the application before its STDIN ended.
        case answered(appStatus: UInt32)
    }

    struct Request {
        var keepConnection: Bool
        var phase: Phase
        var handle: RequestHandle?
    }

    enum Stage: Equatable {
        case open
        /// A close was asked for; waiting for the channel to go.
        case closing
        case closed
    }

    let configuration: FastCGIServerConfiguration
    var stage = Stage.open
    var requests: [UInt16: Request] = [:]

    init(configuration: FastCGIServerConfiguration) {
        self.configuration = configuration
    }

    /// A record from the web server.
    mutating func received(_ record: FastCGIRecord) -> Action {
        guard self.stage == .open else {
            return .doNothing
        }
        guard record.requestID != FastCGIRecord.managementRequestID else {
            return self.receivedManagement(record)
        }
        let id = record.requestID
        let content = Array(record.content.readableBytesView)
        switch record.type {
        case .beginRequest: return self.receivedBegin(id, content)
        case .params: return self.receivedParams(id, content)
        case .stdin: return self.receivedStdin(id, record.content)
        case .abortRequest: return self.receivedAbort(id)
        case .data: return .doNothing
        case let type where (1...11).contains(type.rawValue):
            return self.protocolError(.unexpectedRecordType(type, requestID: id))
        case let type:
            return self.protocolError(.unknownRecordType(type, requestID: id))
        }
    }

    /// The decoder or a record broke the protocol.
    mutating func protocolError(_ error: FastCGIProtocolError) -> Action {
        guard self.stage != .closed else {
            return .doNothing
        }
        self.stage = .closing
        return .close(error)
    }

    /// The connection is gone: the requests the application has seen are aborted, in ID order.
    mutating func channelInactive() -> Action {
        self.stage = .closed
        let seen = self.requests.filter { if case .params = $0.value.phase { false } else { true } }.keys.sorted()
        self.requests = [:]
        return seen.isEmpty ? .doNothing : .forwardAll(seen.map { .abort(requestID: $0) })
    }

    private mutating func receivedBegin(_ id: UInt16, _ content: [UInt8]) -> Action {
        guard content.count == FastCGIBeginRequestBody.size else {
            return self.protocolError(.invalidContentLength(.beginRequest, requestID: id, length: content.count))
        }
        guard self.requests[id] == nil else {
            return self.protocolError(.duplicateRequestID(id))
        }
        let keepConnection = content[2] & 1 != 0
        guard content[0] == 0 && content[1] == 1 else {
            return self.refuse(id, keepConnection: keepConnection, status: .unknownRole)
        }
        guard self.requests.count < self.configuration.maxRequestsPerConnection else {
            return self.refuse(id, keepConnection: keepConnection, status: .overloaded)
        }
        self.requests[id] = Request(keepConnection: keepConnection, phase: .params([]))
        return .doNothing
    }

    private mutating func receivedParams(_ id: UInt16, _ content: [UInt8]) -> Action {
        guard var request = self.requests[id] else {
            return .doNothing
        }
        guard case .params(var stream) = request.phase else {
            return self.protocolError(.outOfOrderRecord(.params, requestID: id))
        }
        stream += content
        let limit = self.configuration.maxParameterBytes
        let reference = ReferenceNameValueStream(parsing: stream, limit: limit)
        if let total = reference.tooLarge {
            return self.protocolError(.parametersTooLarge(bytes: total, limit: limit))
        }
        guard content.isEmpty else {
            request.phase = .params(stream)
            self.requests[id] = request
            return .doNothing
        }
        guard reference.leftover == 0 else {
            return self.protocolError(.truncatedNameValuePair(bytes: reference.leftover))
        }
        request.phase = .stdin
        self.requests[id] = request
        let parameters = reference.pairs.map {
            FastCGIParameter(name: ByteBuffer(bytes: $0.name), value: ByteBuffer(bytes: $0.value))
        }
        return .forward(.head(FastCGIRequestHead(requestID: id, keepConnection: request.keepConnection, parameters: parameters)))
    }

    private mutating func receivedStdin(_ id: UInt16, _ content: ByteBuffer) -> Action {
        guard var request = self.requests[id] else {
            return .doNothing
        }
        switch request.phase {
        case .answered(let appStatus):
            guard content.readableBytes == 0 else {
                return .doNothing
            }
            self.requests[id] = nil
            return .send(Self.endRecords(id, appStatus: appStatus), thenClose: self.closeUnlessKept(request.keepConnection))
        case .stdin where content.readableBytes > 0:
            return .forward(.body(requestID: id, content))
        case .stdin:
            request.phase = .stdinEnded
            self.requests[id] = request
            return .forward(.end(requestID: id))
        case .params, .stdinEnded:
            return self.protocolError(.outOfOrderRecord(.stdin, requestID: id))
        }
    }

    private mutating func receivedAbort(_ id: UInt16) -> Action {
        guard let request = self.requests.removeValue(forKey: id) else {
            return .doNothing
        }
        let records = [Self.endRequest(id, appStatus: 1, status: .requestComplete)]
        let thenClose = self.closeUnlessKept(request.keepConnection)
        if case .params = request.phase {
            return .send(records, thenClose: thenClose)
        }
        return .sendAndForward(records, .abort(requestID: id), thenClose: thenClose)
    }

    private mutating func receivedManagement(_ record: FastCGIRecord) -> Action {
        guard record.type == .getValues else {
            var content = ByteBuffer(bytes: [record.type.rawValue])
            content.writeRepeatingByte(0, count: 7)
            return .send([FastCGIRecord(type: .unknownType, requestID: 0, content: content)], thenClose: false)
        }
        let query = ReferenceNameValueStream(parsing: Array(record.content.readableBytesView))
        guard query.leftover == 0 else {
            return self.protocolError(.truncatedNameValuePair(bytes: query.leftover))
        }
        let answer = expectedGetValuesAnswer(to: query.pairs, configuration: self.configuration)
        return .send([FastCGIRecord(type: .getValuesResult, requestID: 0, content: answer)], thenClose: false)
    }

    private mutating func refuse(_ id: UInt16, keepConnection: Bool, status: FastCGIProtocolStatus) -> Action {
        .send([Self.endRequest(id, appStatus: 0, status: status)], thenClose: self.closeUnlessKept(keepConnection))
    }

    /// §5.1: without `FCGI_KEEP_CONN` the connection closes after the request's END_REQUEST.
    mutating func closeUnlessKept(_ keepConnection: Bool) -> Bool {
        if !keepConnection {
            self.stage = .closing
        }
        return !keepConnection
    }
}
