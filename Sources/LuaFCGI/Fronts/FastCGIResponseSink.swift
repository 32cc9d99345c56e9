import FastCGI
import NIOCore

/// The `ResponseSink` of a FastCGI request: the head becomes the CGI header
/// block (`Status:`, `Content-Type:`, …, blank line) at the start of STDOUT.
///
/// Each `send` builds one buffer on the worker thread and hops to the
/// connection's event loop once: a buffered response is one STDOUT write plus
/// the empty STDOUT and END_REQUEST, flushed together.
struct FastCGIResponseSink: ResponseSink {
    let channel: any Channel
    let requestID: UInt16

    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?) {
        let output: ByteBuffer?
        if let head {
            var buffer = channel.allocator.buffer(capacity: 128 + (body?.readableBytes ?? 0))
            Self.writeHeaderBlock(head, into: &buffer)
            if var body { buffer.writeBuffer(&body) }
            output = buffer
        } else {
            output = body.flatMap { $0.readableBytes > 0 ? $0 : nil }
        }
        let (channel, requestID) = (self.channel, self.requestID)
        channel.eventLoop.execute {
            if let output { channel.write(FastCGIResponsePart.stdout(requestID: requestID, output), promise: nil) }
            if let end { channel.write(FastCGIResponsePart.end(requestID: requestID, appStatus: end.appStatus), promise: nil) }
            channel.flush()
        }
    }

    func sendErrorLog(_ message: String) {
        let (channel, requestID) = (self.channel, self.requestID)
        let bytes = channel.allocator.buffer(string: message.hasSuffix("\n") ? message : message + "\n")
        channel.eventLoop.execute {
            channel.writeAndFlush(FastCGIResponsePart.stderr(requestID: requestID, bytes), promise: nil)
        }
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
