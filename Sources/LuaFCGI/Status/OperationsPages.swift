import NIOCore

/// The `ping` and `status` pages (SPEC §2, §6): answered by the thread that
/// read the request — a worker, the overflow reader or the HTTP event loop —
/// before it would be queued, so they answer at once also while every worker is
/// busy, and they never touch the script pool.
///
/// A request is theirs when its SCRIPT_NAME (or, without one, DOCUMENT_URI) is
/// the configured path. Built by `RequestRunner` from its configuration, so a
/// reload that changes the paths applies them.
struct OperationsPages: Sendable {
    let pingPath: String?
    let statusPath: String?
    let statistics: ServerStatistics
    let pool: ScriptPool<ScriptState>
    let shared: SharedStore
    /// Requests waiting in the queue now.
    let waiting: @Sendable () -> Int
    let configuration: Configuration

    init(
        configuration: Configuration, statistics: ServerStatistics, pool: ScriptPool<ScriptState>, shared: SharedStore,
        waiting: @escaping @Sendable () -> Int
    ) {
        self.shared = shared
        self.pingPath = configuration.pingPath
        self.statusPath = configuration.statusPath
        self.statistics = statistics
        self.pool = pool
        self.waiting = waiting
        self.configuration = configuration
    }

    /// Answers `request` if it is for one of the pages; true if it did. On a reading
    /// thread (`onReadingThread`) only once its body is in: answering skips the rest of
    /// the body, which must not make a reading thread wait; such a request is queued and
    /// answered by the worker that takes it. Costs a parameter lookup and one or two
    /// string comparisons for any other request, nothing without the settings.
    func answer(_ request: Request, onReadingThread: Bool) -> Bool {
        guard pingPath != nil || statusPath != nil,
            let path = request.parameters["SCRIPT_NAME"] ?? request.parameters["DOCUMENT_URI"],
            path == pingPath || path == statusPath, !onReadingThread || request.body.hasEnded
        else { return false }
        if path == pingPath {
            send("pong", contentType: "text/plain", to: request)
        } else {
            let report = StatusReport(
                statistics: statistics, pool: pool, waiting: waiting(), configuration: configuration,
                shared: shared.statistics)
            if Self.wantsPrometheus(request.parameters["QUERY_STRING"]) {
                send(report.prometheusText, contentType: "text/plain; version=0.0.4; charset=utf-8", to: request)
            } else {
                send(report.json, contentType: "application/json", to: request)
            }
        }
        return true
    }

    /// `format=prometheus` among the query's `&`-separated fields.
    static func wantsPrometheus(_ query: String?) -> Bool {
        guard let query else { return false }
        return query.split(separator: "&").contains("format=prometheus")
    }

    /// A 200 with `text`; never cached (the numbers change), with the configured extra headers.
    private func send(_ text: String, contentType: String, to request: Request) {
        let body = ByteBuffer(string: text)
        let headers = [
            HTTPHeaderLine(name: "Content-Type", value: contentType),
            HTTPHeaderLine(name: "Cache-Control", value: "no-store"),
        ] + configuration.extraHeaders
        request.sink.send(
            head: ResponseHead(status: .ok, headers: headers, contentLength: body.readableBytes), body: body, end: .complete)
    }
}
