import FastCGI
import Foundation
import NIOCore

/// A FastCGI client on one connection of its own, speaking the records of the
/// `FastCGI` module: unlike `cgi-fcgi`, it keeps the connection
/// (FCGI_KEEP_CONN) across requests, and a test decides when it opens and
/// closes.
///
/// The socket is blocking with send and receive timeouts
/// (`UnixSocket.connect`), and its I/O runs on a thread of its own, so a
/// stalled server fails the request in bounded time without holding a thread
/// of Swift's cooperative pool.
final class FastCGIClient: Sendable {
    let descriptor: Int32
    private let timeout: Duration

    /// Connects to `socketPath`; the request, the connect and each read give up after `timeout`.
    init(socketPath: String, timeout: Duration = .seconds(10)) throws {
        descriptor = try UnixSocket.connect(to: socketPath, timeout: timeout)
        self.timeout = timeout
    }

    deinit {
        close(descriptor)
    }

    /// One responder request with FCGI_KEEP_CONN, `params` as given and an
    /// empty body; the CGI response parsed like `cgi-fcgi`'s.
    func request(_ params: [String: String], requestID: UInt16 = 1) async throws -> HTTPResponse {
        let raw = try await onThread { [self] in try exchange(params, requestID: requestID) }
        return try CGIFCGI.parse(raw)
    }

    /// Sends a request's BEGIN_REQUEST and PARAMS but none of its body: the handler
    /// starts and waits in `con:read` until `finishBody` — a request held running.
    func begin(_ params: [String: String], requestID: UInt16 = 1) async throws {
        try await onThread { [self] in try sendHead(params, requestID: requestID, endBody: false) }
    }

    /// Sends `body` as the whole body of the request `begin` sent, and reads its response.
    func finishBody(_ body: String, requestID: UInt16 = 1) async throws -> HTTPResponse {
        let raw = try await onThread { [self] in
            var out = ByteBuffer()
            out.writeFastCGIStream(.stdin, requestID: requestID, content: ByteBuffer(string: body))
            try sendAll(out)
            return try receive(requestID: requestID)
        }
        return try CGIFCGI.parse(raw)
    }

    private func exchange(_ params: [String: String], requestID: UInt16) throws -> String {
        try sendHead(params, requestID: requestID, endBody: true)
        return try receive(requestID: requestID)
    }

    private func sendHead(_ params: [String: String], requestID: UInt16, endBody: Bool) throws {
        var out = ByteBuffer()
        var begin = ByteBuffer()
        begin.writeFastCGIBeginRequestBody(FastCGIBeginRequestBody(role: .responder, keepConnection: true))
        out.writeFastCGIRecord(FastCGIRecord(type: .beginRequest, requestID: requestID, content: begin))
        var pairs = ByteBuffer()
        for (name, value) in params.sorted(by: { $0.key < $1.key }) {
            pairs.writeFastCGINameValuePair(name: name, value: value)
        }
        out.writeFastCGIStream(.params, requestID: requestID, content: pairs)
        if endBody { out.writeFastCGIStream(.stdin, requestID: requestID, content: ByteBuffer()) }
        try sendAll(out)
    }

    /// Reads records until the END_REQUEST of `requestID`; its STDOUT.
    private func receive(requestID: UInt16) throws -> String {
        var input = ByteBuffer()
        var stdout = ByteBuffer()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            while let record = try input.readFastCGIRecord() {
                guard record.requestID == requestID else { continue }
                if record.type == .stdout {
                    var content = record.content
                    stdout.writeBuffer(&content)
                } else if record.type == .endRequest {
                    return String(buffer: stdout)
                }
            }
            input.discardReadBytes()
            let count = input.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) { space in
                max(0, read(descriptor, space.baseAddress, space.count))
            }
            if count == 0 {
                throw HarnessError("FastCGI client: the server closed or sent nothing for \(timeout) (\(String(cString: strerror(errno))))")
            }
        }
        throw HarnessError("FastCGI client: no END_REQUEST within \(timeout)")
    }

    private func sendAll(_ buffer: ByteBuffer) throws {
        var buffer = buffer
        while buffer.readableBytes > 0 {
            let sent = buffer.withUnsafeReadableBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw HarnessError("FastCGI client: send: \(String(cString: strerror(errno)))") }
            buffer.moveReaderIndex(forwardBy: sent)
        }
    }
}
