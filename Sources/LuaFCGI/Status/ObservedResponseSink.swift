import NIOCore
import Synchronization

/// The one place where every answer of the engine is seen: it wraps a front's
/// sink (`Request.init` puts it in front when the front has a `ResponseObserver`)
/// and notes the status of the head, the body bytes and the end, then tells the
/// observer once per request — the counters and the access log.
///
/// Every answer of a `Request` passes here: the script's response, the engine's
/// error pages (404, 403, 413, 500, 503, 504), the FastCGI front's 413 and
/// 503, and the ping and status pages. A request that ends with no answer (the
/// client went away first) is told when the request is let go (`deinit`), as
/// status 499, nginx's "client closed request".
///
/// The sink is called by one thread at a time per request (the one answering
/// it); the lock is uncontended and taken once per `send`.
final class ObservedResponseSink: ResponseSink {
    private struct Progress {
        var status: Int?
        var bytes = 0
        var ended = false
        /// The script that ran, set by the runner; nil when none did.
        var script: String?
    }

    private let inner: any ResponseSink
    private let observer: ResponseObserver
    private let parameters: RequestParameters
    private let arrival: ContinuousClock.Instant
    private let progress = Mutex(Progress())

    init(inner: any ResponseSink, observer: ResponseObserver, parameters: RequestParameters, arrival: ContinuousClock.Instant) {
        self.inner = inner
        self.observer = observer
        self.parameters = parameters
        self.arrival = arrival
    }

    deinit {
        let progress = self.progress.withLock { $0 }
        if !progress.ended { tell(status: nil, progress) }
    }

    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?) {
        inner.send(head: head, body: body, end: end)
        let ended: Progress? = progress.withLock { progress in
            if let head, progress.status == nil { progress.status = head.status.code }
            progress.bytes += body?.readableBytes ?? 0
            guard end != nil, !progress.ended else { return nil }
            progress.ended = true
            return progress
        }
        if let ended { tell(status: ended.status ?? 500, ended) }
    }

    func sendErrorLog(_ message: String) {
        inner.sendErrorLog(message)
    }

    func checkClient() {
        inner.checkClient()
    }

    /// The runner resolved the request to `script` and runs it; kept for the access log only.
    func ranScript(_ script: String) {
        guard observer.accessLog != nil else { return }
        progress.withLock { $0.script = script }
    }

    private func tell(status: Int?, _ progress: Progress) {
        observer.observe(status: status, bytes: progress.bytes, duration: .now - arrival) {
            (parameters["REQUEST_METHOD"], progress.script ?? Self.requestPath(parameters))
        }
    }

    /// The request path the access log shows when no script ran.
    static func requestPath(_ parameters: RequestParameters) -> String? {
        parameters["SCRIPT_NAME"] ?? parameters["DOCUMENT_URI"] ?? parameters["REQUEST_URI"]
    }
}
