#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The effective settings of a running server (SPEC §2), defaults applied.
///
/// Built from what the config script set (`ConfigurationLoader`) and the command
/// line (`Overrides`). Settings whose behaviour belongs to later work (allow)
/// are read and validated here already.
public struct Configuration: Sendable {
    public var listen: [ListenAddress]
    public var workers: Int
    public var states: Int
    public var clones: Int
    /// Housekeeping period.
    public var sweepMilliseconds: Int
    public var retries: Int
    public var showErrors: Bool
    public var buffering: Bool
    public var headerSize: Int
    public var bodySize: Int
    /// Extra header lines for every response, parsed from `headers`.
    public var extraHeaders: [HTTPHeaderLine]
    public var handler: String
    public var httpStatus: ResponseStatus
    public var contentType: String
    public var maxPost: Int
    public var maxCount: Int
    public var logFile: String?
    public var backlog: Int
    public var watchdogSeconds: Double
    public var memoryMiB: Int
    public var extensions: [String]
    public var roots: [String]
    public var preload: String?
    public var statusPath: String?
    public var pingPath: String?
    public var socketMode: UInt16
    public var queue: Int
    public var sharedMiB: Int
    public var allow: [String]
    public var accessLog: String?
    public var slowLogSeconds: Double
    /// Where the process ID is written once the listeners are bound (`pidfile`), for
    /// logrotate's and other tools' signals; removed at exit.
    public var pidFile: String?
    /// Document root of the HTTP listener: `--root`, else the first of `roots`, else the config file's directory.
    public var documentRoot: String
    /// Every setting's effective value by name, for `con:config` and `--check`.
    public var values: [String: ConfigurationValue]
    /// Things worth a warning that did not stop the configuration (unknown globals, raised `states`).
    public var warnings: [String]

    /// Command-line flags, which win over the config script.
    public struct Overrides: Sendable {
        public var listen: [String] = []
        public var workers: Int?
        public var states: Int?
        public var root: String?
        public init(listen: [String] = [], workers: Int? = nil, states: Int? = nil, root: String? = nil) {
            self.listen = listen
            self.workers = workers
            self.states = states
            self.root = root
        }
    }

    /// Applies defaults, `overrides` and the cross-setting rules to what a config script set.
    ///
    /// - Parameters:
    ///   - scriptValues: the settings the script assigned, already type-checked.
    ///   - source: the config file's path, for messages and the default document root; nil without a file.
    ///   - lines: the line of the config file that set each setting, for messages.
    ///   - processorCount: the default for `workers`.
    public init(
        scriptValues: [String: ConfigurationValue], overrides: Overrides = .init(), source: String? = nil,
        lines: [String: Int] = [:], processorCount: Int = System.coreCount, warnings: [String] = []
    ) throws(ConfigurationError) {
        var reader = ValueReader(values: scriptValues, source: source, lines: lines)
        if !overrides.listen.isEmpty { reader.values["listen"] = .strings(overrides.listen) }
        if let workers = overrides.workers { reader.values["workers"] = .integer(workers) }
        if let states = overrides.states { reader.values["states"] = .integer(states) }
        self.warnings = warnings

        listen = try reader.strings("listen", default: ["127.0.0.1:9000"]).map { text throws(ConfigurationError) in
            do throws(ListenAddressError) {
                return try ListenAddress(parsing: text)
            } catch {
                throw ConfigurationError.invalid(setting: "listen", source: reader.location(of: "listen"), reason: error.description)
            }
        }
        guard !listen.isEmpty else { throw .invalid(setting: "listen", source: reader.location(of: "listen"), reason: "no address given") }
        workers = try reader.integer("workers", default: max(1, processorCount))
        states = try reader.integer("states", default: workers * 2)
        if states < workers {
            self.warnings.append("states = \(states) is below workers = \(workers); raised to \(workers)")
            states = workers
        }
        clones = min(try reader.integer("clones", default: states), states)
        sweepMilliseconds = try reader.integer("sweep", default: 1000)
        retries = try reader.integer("retries", default: 1)
        showErrors = try reader.boolean("showerrors", default: false)
        buffering = try reader.boolean("buffering", default: true)
        headerSize = try reader.integer("headersize", default: 64)
        bodySize = try reader.integer("bodysize", default: 1024)
        let headers = try reader.string("headers", default: "")
        do throws(HTTPHeaderLineError) {
            extraHeaders = try HTTPHeaderLine.parseBlock(headers)
        } catch {
            throw .invalid(setting: "headers", source: reader.location(of: "headers"), reason: error.description)
        }
        handler = try reader.string("handler", default: "main")
        let status = try reader.string("httpstatus", default: "200 OK")
        guard let parsedStatus = ResponseStatus(line: status) else {
            throw .invalid(
                setting: "httpstatus", source: reader.location(of: "httpstatus"),
                reason: "expected a code and a reason, like \"200 OK\"")
        }
        httpStatus = parsedStatus
        contentType = try reader.string("contenttype", default: "text/html")
        maxPost = try reader.integer("maxpost", default: 1_048_576)
        maxCount = try reader.integer("maxcount", default: 0)
        logFile = try reader.optionalString("logfile")
        backlog = try reader.integer("backlog", default: 128)
        watchdogSeconds = try reader.number("watchdog", default: 60)
        memoryMiB = try reader.integer("memory", default: 64)
        // Bounds that keep the limits' arithmetic (milliseconds, bytes) from overflowing.
        guard watchdogSeconds <= Self.largestWatchdog else {
            throw .invalid(
                setting: "watchdog", source: reader.location(of: "watchdog"),
                reason: "at most \(Int(Self.largestWatchdog)) seconds (a year); 0 turns it off")
        }
        guard memoryMiB <= Self.largestMemoryMiB else {
            throw .invalid(
                setting: "memory", source: reader.location(of: "memory"),
                reason: "at most \(Self.largestMemoryMiB) MiB; 0 turns the cap off")
        }
        extensions = try reader.strings("extensions", default: [".lua"])
        roots = try reader.strings("roots", default: [])
        preload = try reader.optionalString("preload").map { Self.absolute($0, relativeTo: source) }
        if let preload {
            reader.values["preload"] = .string(preload)
            if let problem = Self.problem(withPreload: preload) { self.warnings.append(problem) }
        }
        statusPath = try reader.optionalString("status")
        pingPath = try reader.optionalString("ping")
        let mode = try reader.string("socketmode", default: "0660")
        guard let parsedMode = UInt16(mode, radix: 8), parsedMode <= 0o777 else {
            throw .invalid(
                setting: "socketmode", source: reader.location(of: "socketmode"),
                reason: "expected octal permission bits like \"0660\"")
        }
        socketMode = parsedMode
        queue = try reader.integer("queue", default: 1024)
        sharedMiB = try reader.integer("shared", default: 16)
        allow = try reader.strings("allow", default: [])
        accessLog = try reader.optionalString("accesslog")
        slowLogSeconds = try reader.number("slowlog", default: 0)
        guard slowLogSeconds <= Self.largestWatchdog else {
            throw .invalid(
                setting: "slowlog", source: reader.location(of: "slowlog"),
                reason: "at most \(Int(Self.largestWatchdog)) seconds (a year); 0 turns it off")
        }
        pidFile = try reader.optionalString("pidfile")
        documentRoot = overrides.root ?? roots.first ?? source.map(Self.directory(of:)) ?? "."

        // The effective values, as `con:config` reports them.
        reader.values["states"] = .integer(states)
        reader.values["clones"] = .integer(clones)
        values = reader.values
    }

    /// The effective value of the setting `name` as a config file would say it
    /// (`60`, `0.5`), for log lines that name a limit.
    func shown(_ name: String) -> String {
        values[name]?.description ?? "unset"
    }

    /// The largest `watchdog`, in seconds: a year.
    static let largestWatchdog: Double = 365 * 24 * 3600
    /// The largest `memory`, in MiB: 1 TiB.
    static let largestMemoryMiB = 1 << 20

    /// The built-in defaults: what luafcgid runs with when no config file is given.
    public static func defaults(overrides: Overrides = .init()) throws(ConfigurationError) -> Configuration {
        try Configuration(scriptValues: [:], overrides: overrides)
    }

    /// How long one write may wait for a client (a web server, or an HTTP client) that
    /// reads nothing: `watchdog`, at most 60 s (60 s with `watchdog = 0`). Past it the
    /// request is cut off, its worker freed and its state kept (docs/ARCHITECTURE.md, backpressure).
    public var writeTimeout: Duration {
        let seconds = watchdogSeconds > 0 ? min(watchdogSeconds, 60) : 60
        return .milliseconds(Int64(seconds * 1000))
    }

    /// `path` as an absolute path: a relative one is taken from the directory of the
    /// config file `source` (itself taken from the working directory when relative),
    /// or from the working directory without a config file.
    static func absolute(_ path: String, relativeTo source: String?) -> String {
        guard !path.hasPrefix("/") else { return path }
        let base = source.map(directory(of:)) ?? "."
        let directory = base.hasPrefix("/") ? base : workingDirectory() + (base == "." ? "" : "/" + base)
        return (directory == "/" ? "" : directory) + "/" + path
    }

    /// Why the preload file cannot run as things are, for a start-up warning: it
    /// may appear later (each new state reads it afresh), and meanwhile every
    /// request that needs a new state gets 500 naming it.
    private static func problem(withPreload path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "preload \(path): \(String(cString: strerror(errno))); requests needing a new state get 500 until it is there"
        }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular else {
            return "preload \(path): not a regular file (\(kind)); requests needing a new state get 500"
        }
        return nil
    }

    private static func workingDirectory() -> String {
        guard let path = getcwd(nil, 0) else { return "." }
        defer { free(path) }
        return String(cString: path)
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Reads typed settings out of the raw values, recording each default it applies.
private struct ValueReader {
    var values: [String: ConfigurationValue]
    let source: String?
    let lines: [String: Int]

    /// `file:line` of the assignment of `name`, or the file alone.
    func location(of name: String) -> String? {
        guard let source, let line = lines[name] else { return source }
        return "\(source):\(line)"
    }

    mutating func integer(_ name: String, default value: Int) throws(ConfigurationError) -> Int {
        guard let given = values[name] else {
            values[name] = .integer(value)
            return value
        }
        guard case .integer(let number) = given else { throw mismatch(name) }
        if case .integer(let minimum) = Setting.byName[name]?.kind, number < minimum { throw mismatch(name) }
        return number
    }

    mutating func number(_ name: String, default value: Double) throws(ConfigurationError) -> Double {
        switch values[name] {
        case nil:
            values[name] = .number(value)
            return value
        case .integer(let number) where number >= 0: return Double(number)
        case .number(let number) where number >= 0: return number
        default: throw mismatch(name)
        }
    }

    mutating func boolean(_ name: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let given = values[name] else {
            values[name] = .boolean(value)
            return value
        }
        guard case .boolean(let flag) = given else { throw mismatch(name) }
        return flag
    }

    mutating func string(_ name: String, default value: String) throws(ConfigurationError) -> String {
        guard let given = values[name] else {
            values[name] = .string(value)
            return value
        }
        guard case .string(let text) = given else { throw mismatch(name) }
        return text
    }

    func optionalString(_ name: String) throws(ConfigurationError) -> String? {
        guard let given = values[name] else { return nil }
        guard case .string(let text) = given else { throw mismatch(name) }
        return text
    }

    mutating func strings(_ name: String, default value: [String]) throws(ConfigurationError) -> [String] {
        switch values[name] {
        case nil:
            values[name] = .strings(value)
            return value
        case .string(let text): return [text]
        case .strings(let texts): return texts
        default: throw mismatch(name)
        }
    }

    private func mismatch(_ name: String) -> ConfigurationError {
        .wrongType(setting: name, source: location(of: name), expected: Setting.byName[name]?.kind.expectation ?? "another type")
    }
}
