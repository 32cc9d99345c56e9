import Foundation

/// luafcgid's own ceiling: `luafcgid-load` straight on its unix socket, no
/// nginx, hello with 16 connections, in three connection modes.
struct DirectBenchmark {
    let loadGenerator: LoadGenerator
    let socket: String
    let luafcgid: pid_t
    let script: String
    let settings: BenchSettings

    static let connections = 16

    enum Mode: CaseIterable {
        /// FCGI_KEEP_CONN, one request at a time per connection (nginx's keep-conn).
        case keepConnection
        /// FCGI_KEEP_CONN, 8 requests in flight per connection (multiplexed).
        case multiplexed
        /// A new connection per request (nginx's default).
        case connectionPerRequest

        var label: String {
            switch self {
            case .keepConnection: "keep-conn, depth 1"
            case .multiplexed: "keep-conn, depth 8 (multiplexed)"
            case .connectionPerRequest: "no keep-conn (a connection per request)"
            }
        }

        var arguments: [String] {
            switch self {
            case .keepConnection: ["--keep-conn", "--depth", "1"]
            case .multiplexed: ["--keep-conn", "--depth", "8"]
            case .connectionPerRequest: ["--no-keep-conn", "--depth", "1"]
            }
        }

        var name: String {
            switch self {
            case .keepConnection: "keepconn"
            case .multiplexed: "depth8"
            case .connectionPerRequest: "nokeepconn"
            }
        }
    }

    /// Warm-up and recorded runs both pass `--warmup 0` to luafcgid-load:
    /// its own warm-up would count in the CPU time but not in the requests.
    func run() throws -> [(mode: Mode, summary: Summary)] {
        let modes = Mode.allCases
        let runs = try InterleavedRounds<Mode>(rounds: settings.rounds).run(
            modes,
            warmUp: { mode in
                guard settings.warmup > 0 else { return }
                progress("direct warm-up  \(mode.label)")
                _ = try load(mode, seconds: settings.warmup, name: "load-\(mode.name)-warmup")
            },
            measure: { mode, round in
                let result = try CPUMeter(backend: luafcgid, nginx: nil).measure {
                    try load(mode, seconds: settings.duration, name: "load-\(mode.name)-r\(round)")
                }
                progress("direct round \(round)/\(settings.rounds)  \(mode.label.padded(40))\(result.progressLine)")
                return result
            })
        return zip(modes, runs).map { ($0, Summary(runs: $1)) }
    }

    private func load(_ mode: Mode, seconds: Int, name: String) throws -> LoadResult {
        try loadGenerator.run(
            socket: socket,
            arguments: [
                "--script", script, "--connections", String(Self.connections),
                "--duration", String(seconds), "--warmup", "0",
            ] + mode.arguments,
            timeout: .seconds(seconds + 30), name: name)
    }
}
