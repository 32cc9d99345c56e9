import FastCGI
import NIOCore

/// The application's side (§5.3, §5.5): what each part it writes should turn into.
extension ConnectionModel {
    typealias OutboundAction = FastCGIConnectionStateMachine.OutboundAction

    mutating func wrote(_ part: FastCGIResponsePart) -> OutboundAction {
        switch part {
        case .stdout(let id, let content):
            self.wroteStream(.stdout, id, content)
        case .stderr(let id, let content):
            self.wroteStream(.stderr, id, content)
        case .end(let id, let appStatus):
            self.ended(id, appStatus: appStatus)
        }
    }

    /// The application tied its object to a request it has seen.
    mutating func attached(_ handle: RequestHandle, to id: UInt16) {
        self.requests[id]?.handle = handle
    }

    /// Records of at most 65535 content bytes; nothing for empty content, an unknown
    /// request, or a connection on its way out.
    private func wroteStream(_ type: FastCGIRecordType, _ id: UInt16, _ content: ByteBuffer) -> OutboundAction {
        guard self.stage == .open, self.requests[id] != nil, content.readableBytes > 0 else {
            return .drop
        }
        let bytes = Array(content.readableBytesView)
        let records = stride(from: 0, to: bytes.count, by: FastCGIRecord.maximumContentLength).map {
            FastCGIRecord(type: type, requestID: id, content: ByteBuffer(bytes: bytes[$0..<min($0 + FastCGIRecord.maximumContentLength, bytes.count)]))
        }
        return .write(records, thenClose: false)
    }

    /// The end goes out at once if STDIN has ended; before that the request waits, answered.
    private mutating func ended(_ id: UInt16, appStatus: UInt32) -> OutboundAction {
        guard self.stage == .open, var request = self.requests[id] else {
            return .drop
        }
        switch request.phase {
        case .answered:
            return .drop
        case .stdin:
            request.phase = .answered(appStatus: appStatus)
            request.handle = nil
            self.requests[id] = request
            return .drop
        case .params, .stdinEnded:
            self.requests[id] = nil
            return .write(Self.endRecords(id, appStatus: appStatus), thenClose: self.closeUnlessKept(request.keepConnection))
        }
    }

    /// The empty STDOUT record that closes the stream, then END_REQUEST.
    static func endRecords(_ id: UInt16, appStatus: UInt32) -> [FastCGIRecord] {
        [FastCGIRecord(type: .stdout, requestID: id), Self.endRequest(id, appStatus: appStatus, status: .requestComplete)]
    }

    /// END_REQUEST, its body spelled out byte by byte (§5.5).
    static func endRequest(_ id: UInt16, appStatus: UInt32, status: FastCGIProtocolStatus) -> FastCGIRecord {
        var content = ByteBuffer()
        content.writeInteger(appStatus)
        content.writeBytes([status.rawValue, 0, 0, 0])
        return FastCGIRecord(type: .endRequest, requestID: id, content: content)
    }
}
