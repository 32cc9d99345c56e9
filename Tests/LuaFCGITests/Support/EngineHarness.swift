import Logging
import NIOCore
@testable import LuaFCGI

/// A request runner over a temporary script directory: the engine without sockets.
struct EngineHarness {
    let directory: ScriptDirectory
    let configuration: Configuration
    let runner: RequestRunner
    /// The runner's counters; requests count their answers only when made with `observer`.
    let statistics = ServerStatistics()
    /// Counts answers into `statistics` (no access log).
    var observer: ResponseObserver { ResponseObserver(statistics: statistics, accessLog: nil) }
    /// Everything the engine logged.
    let log = LogCapture()

    /// - Parameter directory: the scripts' directory, when a setting (`roots`) must name it; else a new one.
    init(_ settings: [String: ConfigurationValue] = [:], directory: ScriptDirectory? = nil) throws {
        self.directory = try directory ?? ScriptDirectory()
        var values: [String: ConfigurationValue] = ["workers": .integer(2)]
        values.merge(settings) { $1 }
        configuration = try Configuration(scriptValues: values)
        runner = RequestRunner(
            configuration: configuration,
            pool: ScriptPool(capacity: configuration.states, clonesPerScript: configuration.clones),
            logger: log.logger, statistics: statistics)
    }

    @discardableResult
    func write(_ name: String, _ source: String) throws -> String {
        try directory.write(name, source)
    }

    /// Makes a request for `script` (a name inside the directory) with extra `parameters` and `body`.
    func makeRequest(
        _ script: String, parameters: [(String, String)] = [], body: String = "", observer: ResponseObserver? = nil
    ) -> (Request, RecordingSink) {
        var env = RequestParameters()
        env.append(name: "SCRIPT_FILENAME", value: directory.path + "/" + script)
        env.append(name: "SCRIPT_NAME", value: "/" + script)
        env.append(name: "REQUEST_METHOD", value: body.isEmpty ? "GET" : "POST")
        for (name, value) in parameters { env.append(name: name, value: value) }
        let sink = RecordingSink()
        return (Request(parameters: env, body: ByteBuffer(string: body), sink: sink, observer: observer), sink)
    }

    /// Runs a request on the calling thread and returns what was sent.
    @discardableResult
    func run(
        _ script: String, parameters: [(String, String)] = [], body: String = "", observer: ResponseObserver? = nil
    ) -> RecordingSink {
        let (request, sink) = makeRequest(script, parameters: parameters, body: body, observer: observer)
        runner.run(request)
        return sink
    }
}
