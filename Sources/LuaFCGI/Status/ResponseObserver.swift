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
    /// `bytes` of body, `duration` after its arrival. `describe` gives the access log's
    /// method and target (the script that ran, else the request path); it is called only
    /// when there is an access log, so the counters alone look nothing up.
    func observe(
        status: Int?, bytes: Int, duration: Duration, describe: () -> (method: String?, target: String?)
    ) {
        if let status {
            statistics.countAnswer(code: status, duration: duration)
        } else {
            statistics.aborted.increment()
        }
        guard let accessLog else { return }
        let (method, target) = describe()
        accessLog.write(method: method, target: target, status: status ?? 499, bytes: bytes, duration: duration)
    }
}
