import NIOCore

/// The `ResponseSink` of a request read from a FastCGI connection: called on
/// the worker running the request, it writes to the socket at once. The head
/// becomes the CGI header block (`Status:`, `Content-Type:`, …, blank line) at
/// the start of STDOUT, and a buffered response leaves as one write: STDOUT,
/// the empty STDOUT and END_REQUEST together.
struct FastCGIConnectionSink: ResponseSink {
    let connection: FastCGIConnection
    let requestID: UInt16
    /// The request's body: what is left of it is skipped before the first output.
    let stream: FastCGIRequestStream?

    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?) {
        var content: ByteBuffer?
        if let head {
            var buffer = ByteBufferAllocator().buffer(capacity: 256 + (body?.readableBytes ?? 0))
            Self.writeHeaderBlock(head, into: &buffer)
            if var body { buffer.writeBuffer(&body) }
            content = buffer
        } else if let body, body.readableBytes > 0 {
            content = body
        }
        connection.respond(requestID: requestID, stream: stream, content: content, end: end)
    }

    func sendErrorLog(_ message: String) {
        let bytes = ByteBuffer(string: message.hasSuffix("\n") ? message : message + "\n")
        connection.respondError(requestID: requestID, message: bytes)
    }

    func checkClient() {
        if let stream { connection.checkClient(for: stream) }
    }

    /// `Status: …`, the headers, `Content-Length` when known, and the blank line.
    static func writeHeaderBlock(_ head: ResponseHead, into buffer: inout ByteBuffer) {
        buffer.writeString("Status: ")
        buffer.writeString(head.status.description)
        buffer.writeString("\r\n")
        for line in head.headers {
            buffer.writeString(line.name)
            buffer.writeString(": ")
            buffer.writeString(line.value)
            buffer.writeString("\r\n")
        }
        if let length = head.contentLength {
            buffer.writeString("Content-Length: ")
            buffer.writeString(String(length))
            buffer.writeString("\r\n")
        }
        buffer.writeString("\r\n")
    }
}
