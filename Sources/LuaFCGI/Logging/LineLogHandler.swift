#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// A swift-log handler writing `YYYY-MM-DD HH:MM:SS LEVEL message` (SPEC §1).
///
/// A message of several lines (a traceback) continues on the following lines,
/// indented, so every entry starts with a date. Metadata follows the message as
/// `key=value` pairs.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let destination: LogDestination

    public init(destination: LogDestination, level: Logger.Level = .info) {
        self.destination = destination
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = Self.timestamp()
        text += " "
        text += Self.name(of: event.level)
        text += " "
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        var message = "\(event.message)"
        if !merged.isEmpty {
            message += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        text += message.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
        text += "\n"
        destination.write(text)
    }

    static func name(of level: Logger.Level) -> String {
        switch level {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .notice: return "NOTICE"
        case .warning: return "WARNING"
        case .error: return "ERROR"
        case .critical: return "CRITICAL"
        }
    }

    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
