/// A validated run: what to send, over how many connections, and when to stop.
///
/// Built by ``LoadCommand/makePlan()`` from the command line; every rule about
/// which options go together lives there, so a plan is always runnable.
struct LoadPlan: Hashable, Sendable {
    /// When the run ends.
    enum Stop: Hashable, Sendable {
        /// Run `warmup` seconds unrecorded, then record for `duration` seconds.
        case duration(seconds: Double, warmup: Double)
        /// Send exactly this many requests, all recorded, then stop.
        case count(Int)
    }

    /// The longest a request may take, write to END_REQUEST, before it counts as an error.
    static let requestTimeoutSeconds: Int64 = 10
    /// A request still in flight when a duration run ends is an error if it has
    /// waited longer than this: otherwise a stalled connection would go unseen in
    /// any run shorter than the timeout. Far above any sane latency, and shorter
    /// requests are just the run's normal tail, which is dropped.
    static let stallSeconds: Int64 = 1

    var target: ConnectTarget
    /// Absolute paths, sent as SCRIPT_FILENAME round-robin.
    var scripts: [String]
    var connections: Int
    /// Requests in flight per connection, with IDs 1…depth.
    var depth: Int
    /// `FCGI_KEEP_CONN`; without it every request has a connection of its own.
    var keepConnection: Bool
    var stop: Stop
    /// A POST body of this many bytes, or 0 for a GET without one.
    var postBytes: Int
}

extension LoadPlan: CustomStringConvertible {
    /// One line saying what the run does, printed above the human-readable summary.
    var description: String {
        let scripts = self.scripts.count == 1 ? "1 script" : "\(self.scripts.count) scripts"
        let connections = self.connections == 1 ? "1 connection" : "\(self.connections) connections"
        let method = self.postBytes > 0 ? "POST \(self.postBytes) B" : "GET"
        let stop =
            switch self.stop {
            case .duration(let seconds, let warmup): "\(seconds) s after \(warmup) s warm-up"
            case .count(let count): "\(count) requests"
            }
        return "\(self.target), \(scripts), \(connections) × depth \(self.depth), "
            + "\(self.keepConnection ? "keep-conn" : "no keep-conn"), \(method), \(stop)"
    }
}
