import NIOCore

/// The response a handler is building (SPEC §4.2): status, headers and body,
/// sent through the request's sink when flushed or when the handler returns.
///
/// Used by one worker thread only, while it runs the request.
final class ResponseBuilder {
    private(set) var status: ResponseStatus
    private var contentType: String
    private let extraHeaders: [HTTPHeaderLine]
    private var scriptHeaders: [HTTPHeaderLine] = []
    private var body: ByteBuffer
    /// Whether the head went out (`con:flush`, or streaming with `buffering = false`).
    private(set) var headSent = false
    /// Whether the response is complete (`con:finish()` or the handler's end): later output is dropped.
    private(set) var isFinished = false
    /// Whether output is sent as it comes rather than collected until the end.
    private let streaming: Bool
    private let sink: any ResponseSink

    init(configuration: Configuration, sink: any ResponseSink) {
        status = configuration.httpStatus
        contentType = configuration.contentType
        extraHeaders = configuration.extraHeaders
        body = ByteBufferAllocator().buffer(capacity: configuration.bodySize)
        streaming = !configuration.buffering
        self.sink = sink
    }

    /// Adds a header; `Status` and `Content-Type` replace the defaults instead of adding a line.
    /// Returns false (and changes nothing) once the head was sent.
    func addHeader(_ line: HTTPHeaderLine) throws(HTTPHeaderLineError) -> Bool {
        guard !headSent, !isFinished else { return false }
        if line.hasName("Status") {
            guard let parsed = ResponseStatus(line: line.value) else {
                throw HTTPHeaderLineError(line: "\(line.name): \(line.value)", reason: "expected a status like \"404 Not Found\"")
            }
            status = parsed
        } else if line.hasName("Content-Type") {
            contentType = line.value
        } else {
            scriptHeaders.append(line)
        }
        return true
    }

    /// Sets the status; false once the head was sent.
    func setStatus(_ newStatus: ResponseStatus) -> Bool {
        guard !headSent, !isFinished else { return false }
        status = newStatus
        return true
    }

    /// Appends body bytes; when streaming, they go out at once.
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard !isFinished else { return }
        body.writeBytes(bytes)
        if streaming { flush() }
    }

    /// Sends the head (once) and what is buffered; later output follows as it comes.
    func flush() {
        guard !isFinished else { return }
        let head = headSent ? nil : makeHead(contentLength: nil)
        headSent = true
        guard head != nil || body.readableBytes > 0 else { return }
        sink.send(head: head, body: takeBody(), end: nil)
    }

    /// Drops the buffered body that was not sent yet.
    func reset() {
        body.clear()
    }

    /// Completes the response: a buffered one goes out whole, with `Content-Length`.
    /// Only the first call sends anything.
    func finish() {
        guard !isFinished else { return }
        isFinished = true
        if headSent {
            sink.send(head: nil, body: body.readableBytes > 0 ? takeBody() : nil, end: .complete)
        } else {
            headSent = true
            sink.send(head: makeHead(contentLength: body.readableBytes), body: takeBody(), end: .complete)
        }
    }

    /// Ends a response that failed after its head went out: what is buffered is dropped, the response is cut off.
    func cutOff() {
        sink.send(head: nil, body: nil, end: .failed)
    }

    private func makeHead(contentLength: Int?) -> ResponseHead {
        var headers = [HTTPHeaderLine(name: "Content-Type", value: contentType)]
        headers.append(contentsOf: extraHeaders)
        headers.append(contentsOf: scriptHeaders)
        return ResponseHead(status: status, headers: headers, contentLength: contentLength)
    }

    private func takeBody() -> ByteBuffer {
        let taken = body
        body = ByteBufferAllocator().buffer(capacity: 0)
        return taken
    }
}
