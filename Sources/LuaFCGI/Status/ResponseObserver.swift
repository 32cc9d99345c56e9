/// What happens with every answer the server gives: it is counted in the
/// server's statistics (status class and latency) and, with `accesslog` set,
/// written to the access log.
///
/// Created once by `Server` with the statistics and the access log, both of
/// which outlive a reload; the fronts get it through their settings. A reload
/// that names another `accesslog` (or none) puts its file in place here.
public final class ResponseObserver: Sendable {
    let statistics: ServerStatistics
    private let accessLogFile: Reloadable<AccessLog?>

    public init(statistics: ServerStatistics, accessLog: AccessLog?) {
        self.statistics = statistics
        self.accessLogFile = Reloadable(accessLog)
    }

    /// The access log now; nil without `accesslog`.
    var accessLog: AccessLog? {
        accessLogFile.current
    }

    /// A reload's access log: the following answers are written to it.
    func replaceAccessLog(with accessLog: AccessLog?) {
        accessLogFile.replace(with: accessLog)
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
