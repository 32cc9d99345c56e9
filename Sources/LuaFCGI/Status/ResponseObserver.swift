/// What happens with every answer the server gives: it is counted in the
/// server's statistics (status class and latency) and, with `accesslog` set,
/// written to the access log.
///
/// Created once by `Server` with the statistics and the access log, both of
/// which outlive a reload; the fronts get it through their settings.
public final class ResponseObserver: Sendable {
    let statistics: ServerStatistics
    let accessLog: AccessLog?

    public init(statistics: ServerStatistics, accessLog: AccessLog?) {
        self.statistics = statistics
        self.accessLog = accessLog
    }

    /// One request ended: with the answer `status` (nil: none, the client left first),
    /// `bytes` of body, `duration` after its arrival. `target` is the script that ran,
    /// else the request path.
    func observe(method: String?, target: String?, status: Int?, bytes: Int, duration: Duration) {
        if let status {
            statistics.countAnswer(code: status, duration: duration)
        } else {
            statistics.aborted.increment()
        }
        accessLog?.write(method: method, target: target, status: status ?? 499, bytes: bytes, duration: duration)
    }
}
