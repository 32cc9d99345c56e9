import FastCGI
import NIOCore

/// Every request of a run, encoded once before it starts (FastCGI 1.0 §5.1–5.3).
///
/// Two requests for the same script differ only in their request ID, and every
/// connection uses the same IDs, 1…depth. So the bytes are encoded per
/// (script, ID) up front and the same buffers are written again and again: a
/// write retains a buffer, it copies nothing and allocates nothing. Patching the
/// ID into one shared buffer instead would corrupt writes still queued.
///
/// ```
/// head(script, id): BEGIN_REQUEST  PARAMS…  PARAMS(empty)  [STDIN(empty) when there is no body]
/// body(id):         STDIN…  STDIN(empty)                   (the same for every script)
/// ```
///
/// Memory: scripts × depth heads of a few hundred bytes, and depth bodies.
struct EncodedRequests: Sendable {
    let scriptCount: Int
    let depth: Int
    /// Indexed by `script * depth + (id - 1)`.
    private let heads: [ByteBuffer]
    /// Indexed by `id - 1`; empty for a GET, whose head carries the closing STDIN.
    private let bodies: [ByteBuffer]

    init(scripts: [String], depth: Int, keepConnection: Bool, postBytes: Int) {
        precondition(!scripts.isEmpty && (1...Int(UInt16.max)).contains(depth), "luafcgid-load: invalid plan")
        self.scriptCount = scripts.count
        self.depth = depth
        let begin = FastCGIBeginRequestBody(role: .responder, keepConnection: keepConnection)
        let hasBody = postBytes > 0
        var heads: [ByteBuffer] = []
        heads.reserveCapacity(scripts.count * depth)
        for script in scripts {
            var parameters = ByteBuffer()
            for (name, value) in RequestParameters.parameters(script: script, postBytes: postBytes) {
                parameters.writeFastCGINameValuePair(name: name, value: value)
            }
            for id in Self.requestIDs(depth: depth) {
                var beginContent = ByteBuffer()
                beginContent.writeFastCGIBeginRequestBody(begin)
                var head = ByteBuffer()
                head.writeFastCGIRecord(FastCGIRecord(type: .beginRequest, requestID: id, content: beginContent))
                head.writeFastCGIStream(.params, requestID: id, content: parameters)
                if !hasBody {
                    head.writeFastCGIStream(.stdin, requestID: id, content: ByteBuffer())
                }
                heads.append(head)
            }
        }
        self.heads = heads
        let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: postBytes)
        self.bodies = !hasBody ? [] : Self.requestIDs(depth: depth).map { id in
            var buffer = ByteBuffer()
            buffer.writeFastCGIStream(.stdin, requestID: id, content: body)
            return buffer
        }
    }

    /// The head of a request for `script` with this ID; write ``body(id:)`` after it when there is one.
    func head(script: Int, id: UInt16) -> ByteBuffer {
        self.heads[script * self.depth + Int(id) - 1]
    }

    /// The STDIN stream of the request with this ID, or nil when the head already ends it.
    func body(id: UInt16) -> ByteBuffer? {
        self.bodies.isEmpty ? nil : self.bodies[Int(id) - 1]
    }

    private static func requestIDs(depth: Int) -> ClosedRange<UInt16> {
        1...UInt16(depth)
    }
}
