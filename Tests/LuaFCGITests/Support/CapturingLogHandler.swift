import Foundation
import Logging

/// A swift-log handler that keeps every message, for tests that check what was logged.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []

    var logger: Logger {
        Logger(label: "test") { _ in CapturingLogHandler(capture: self) }
    }

    var messages: [String] {
        lock.withLock { entries.map(\.1) }
    }

    /// The level of the first message containing `text`, or nil.
    func level(ofMessageContaining text: String) -> Logger.Level? {
        lock.withLock { entries.first { $0.1.contains(text) }?.0 }
    }

    fileprivate func append(_ level: Logger.Level, _ message: String) {
        lock.withLock { entries.append((level, message)) }
    }
}

private struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(event.level, "\(event.message)")
    }
}
