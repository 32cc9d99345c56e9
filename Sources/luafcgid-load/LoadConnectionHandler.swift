import FastCGI
import NIOCore

/// One connection of a run: writes pre-encoded requests, reads the server's
/// records, and tells the ``LoadRunner`` how each request ended.
///
/// Sits after `ByteToMessageHandler(FastCGIRecordDecoder())`. It keeps up to
/// `depth` requests in flight with IDs 1…depth, and sends the next one with the
/// ID that just ended, so a slot is never idle while the run wants requests.
/// Requests written while handling one read go out with one flush, in
/// `channelReadComplete`. Per request it takes the time and writes buffers it
/// already has; it allocates nothing of its own.
///
/// Without keep-conn it carries one request and closes once it has ended; the
/// runner opens the slot's next connection when this one is gone.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FastCGIRecord
    typealias OutboundOut = ByteBuffer

    /// One request ID's state.
    private struct InFlight {
        var isActive = false
        var measured = false
        /// When it was written, in uptime nanoseconds.
        var start: UInt64 = 0
        var status = CGIStatusScanner()
    }

    private let runner: LoadRunner
    private let slot: Int
    private let requests: EncodedRequests
    private let keepConnection: Bool
    /// Indexed by request ID − 1.
    private var inFlight: [InFlight]
    private var context: ChannelHandlerContext?
    private var needsFlush = false
    /// Set once this side closes: later records and the close itself report nothing.
    private var isClosing = false

    init(runner: LoadRunner, slot: Int, requests: EncodedRequests, keepConnection: Bool) {
        self.runner = runner
        self.slot = slot
        self.requests = requests
        self.keepConnection = keepConnection
        self.inFlight = Array(repeating: InFlight(), count: requests.depth)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        guard self.runner.connectionOpened(self, slot: self.slot) else {
            self.close()
            return
        }
        for id in 1...UInt16(self.requests.depth) {
            guard self.send(id: id) else { break }
        }
        self.flushIfNeeded(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosing else { return }
        let record = self.unwrapInboundIn(data)
        let id = record.requestID
        let index = Int(id) - 1
        guard self.inFlight.indices.contains(index), self.inFlight[index].isActive else {
            self.fail(.protocolViolation("FastCGI: \(record.type) record for request \(id), which is not in flight"))
            return
        }
        switch record.type {
        case .stdout:
            self.inFlight[index].status.scan(record.content)
        case .stderr:
            // Text for the web server's log; it does not decide the outcome.
            break
        case .endRequest:
            var content = record.content
            do {
                let body = try content.readFastCGIEndRequestBody(requestID: id)
                self.ended(index: index, body: body)
            } catch {
                self.fail(.protocolViolation(error.description))
            }
        default:
            self.fail(.protocolViolation("FastCGI: unexpected \(record.type) record for request \(id)"))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flushIfNeeded(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.isClosing {
            self.isClosing = true
            self.failInFlight { _ in .connectionLost("closed by the server") }
        }
        self.runner.connectionClosed(slot: self.slot)
    }

    /// Decoder errors are protocol violations; anything else is the socket failing.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FastCGIProtocolError {
            self.fail(.protocolViolation(error.description))
        } else {
            self.fail(.connectionLost("\(error)"))
        }
    }

    /// Closes the connection without reporting what is in flight (the run is over).
    func close() {
        guard !self.isClosing else { return }
        self.isClosing = true
        self.context?.close(promise: nil)
    }

    /// Fails the connection if a request has waited longer than `timeout` nanoseconds:
    /// those requests time out, the others on the connection are lost with it.
    func failTimedOut(now: UInt64, timeout: UInt64) {
        guard !self.isClosing,
            self.inFlight.contains(where: { $0.isActive && now &- $0.start > timeout })
        else {
            return
        }
        self.fail { request in
            now &- request.start > timeout ? .timeout : .connectionLost("closed after another request timed out")
        }
    }

    /// At the end of a run: requests that have waited longer than `threshold`
    /// nanoseconds are reported stalled; the rest of what is in flight is dropped.
    func reportStalled(now: UInt64, threshold: UInt64) {
        for index in self.inFlight.indices where self.inFlight[index].isActive {
            let waited = now &- self.inFlight[index].start
            guard waited > threshold else { continue }
            self.inFlight[index].isActive = false
            self.runner.recordFailure(.stalled(milliseconds: waited / 1_000_000))
        }
    }

    // MARK: Requests

    /// Writes the next request under this ID, if the run wants one.
    private func send(id: UInt16) -> Bool {
        guard let context = self.context, let ticket = self.runner.takeRequest() else {
            return false
        }
        self.inFlight[Int(id) - 1] = InFlight(isActive: true, measured: ticket.measured, start: LoadRunner.now())
        context.write(self.wrapOutboundOut(self.requests.head(script: ticket.script, id: id)), promise: nil)
        if let body = self.requests.body(id: id) {
            context.write(self.wrapOutboundOut(body), promise: nil)
        }
        self.needsFlush = true
        return true
    }

    private func ended(index: Int, body: FastCGIEndRequestBody) {
        let request = self.inFlight[index]
        self.inFlight[index].isActive = false
        if body.protocolStatus == .requestComplete && body.appStatus == 0 {
            let elapsed = LoadRunner.now() &- request.start
            self.runner.recordResponse(measured: request.measured, status: request.status.status, nanoseconds: elapsed)
        } else {
            self.runner.recordFailure(.endRequest(appStatus: body.appStatus, protocolStatus: body.protocolStatus))
        }
        if self.keepConnection {
            _ = self.send(id: UInt16(index + 1))
        } else {
            self.close()
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard self.needsFlush else { return }
        self.needsFlush = false
        context.flush()
    }

    // MARK: Failures

    /// Every request in flight fails with `failure`, and the connection closes.
    private func fail(_ failure: LoadFailure) {
        self.fail { _ in failure }
    }

    private func fail(_ failure: (InFlight) -> LoadFailure) {
        guard !self.isClosing else { return }
        self.isClosing = true
        self.failInFlight(failure)
        self.context?.close(promise: nil)
    }

    private func failInFlight(_ failure: (InFlight) -> LoadFailure) {
        for index in self.inFlight.indices where self.inFlight[index].isActive {
            self.inFlight[index].isActive = false
            self.runner.recordFailure(failure(self.inFlight[index]))
        }
    }
}

@available(*, unavailable)
extension LoadConnectionHandler: Sendable {}
