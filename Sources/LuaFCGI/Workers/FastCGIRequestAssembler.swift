import FastCGI
import NIOCore

/// Collects each request of one FastCGI connection from its parts (params,
/// body, end) into what the engine runs.
///
/// A body over `maxpost` (by CONTENT_LENGTH, or by the bytes received) is
/// dropped as it comes and the request answered 413 at its end, without running
/// anything; the answer waits for the end of the body because a web server still
/// sending it would take an early close as a broken upstream (502).
struct FastCGIRequestAssembler {
    /// What a part completed.
    enum Completion {
        /// Params and body are in: run it.
        case complete(requestID: UInt16, RequestParameters, body: ByteBuffer)
        /// Its body went over `maxpost`: answer 413.
        case tooLarge(requestID: UInt16, RequestParameters)
    }

    private enum Pending {
        case collecting(RequestParameters, body: ByteBuffer)
        case rejected(RequestParameters)
    }

    private let maxPost: Int
    private var pending: [UInt16: Pending] = [:]

    init(maxPost: Int) {
        self.maxPost = maxPost
    }

    /// Takes one part; returns the request it completed, if any. Aborts of requests
    /// still collecting are dropped here; those already complete are the caller's.
    mutating func receive(_ part: FastCGIRequestPart) -> Completion? {
        switch part {
        case .head(let head):
            let parameters = RequestParameters(head.parameters)
            let declared = parameters["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0
            if declared > maxPost {
                pending[head.requestID] = .rejected(parameters)
            } else {
                pending[head.requestID] = .collecting(
                    parameters, body: ByteBufferAllocator().buffer(capacity: min(max(declared, 0), maxPost)))
            }
        case .body(let requestID, var bytes):
            guard case .collecting(let parameters, var body) = pending[requestID] else { return nil }
            if body.readableBytes + bytes.readableBytes > maxPost {
                pending[requestID] = .rejected(parameters)
                return nil
            }
            pending[requestID] = nil  // drop the stored copy so `body` is uniquely held while it grows
            body.writeBuffer(&bytes)
            pending[requestID] = .collecting(parameters, body: body)
        case .end(let requestID):
            switch pending.removeValue(forKey: requestID) {
            case .collecting(let parameters, let body):
                return .complete(requestID: requestID, parameters, body: body)
            case .rejected(let parameters):
                return .tooLarge(requestID: requestID, parameters)
            case nil:
                break
            }
        case .abort(let requestID):
            pending[requestID] = nil
        }
        return nil
    }
}
