import Foundation
import NIOCore
@testable import LuaFCGI

/// A `ResponseSink` that records what a worker sends, for tests without sockets.
final class RecordingSink: ResponseSink, @unchecked Sendable {
    private let lock = NSCondition()
    private var heads: [ResponseHead] = []
    private var bodyBytes: [UInt8] = []
    private var ends: [ResponseEnd] = []
    private var errorLogs: [String] = []
    private(set) var sendCalls = 0

    func send(head: ResponseHead?, body: ByteBuffer?, end: ResponseEnd?) {
        lock.lock()
        defer {
            lock.broadcast()
            lock.unlock()
        }
        sendCalls += 1
        if let head { heads.append(head) }
        if let body { bodyBytes += body.readableBytesView }
        if let end { ends.append(end) }
    }

    func sendErrorLog(_ message: String) {
        lock.lock()
        errorLogs.append(message)
        lock.unlock()
    }

    var head: ResponseHead? { locked { heads.first } }
    var headCount: Int { locked { heads.count } }
    var body: String { locked { String(decoding: bodyBytes, as: UTF8.self) } }
    var end: ResponseEnd? { locked { ends.first } }
    var endCount: Int { locked { ends.count } }
    var errorLog: [String] { locked { errorLogs } }
    var status: Int? { head?.status.code }

    /// Waits (bounded) until the response ended; false on time-out.
    func waitForEnd(timeout: TimeInterval = 10) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while ends.isEmpty {
            if !lock.wait(until: deadline) { return !ends.isEmpty }
        }
        return true
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
