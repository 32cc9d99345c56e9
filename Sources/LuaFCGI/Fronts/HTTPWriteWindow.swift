import Foundation

/// The response bytes of one HTTP connection that a worker handed to the event
/// loop and the loop has not written to the socket yet: the backpressure between
/// a streaming handler and a client that reads slowly, or not at all.
///
/// Without it, every `con:flush()` (or every `con:puts` with `buffering = false`)
/// would hop to the loop and pile up in NIO's outbound buffer, gigabytes of it for
/// a client that stopped reading. With it, a worker's `send` first waits while more
/// than `size` bytes are outstanding, at most `writeTimeout`; past that the
/// response is cut off. Shared by the connection's `HTTPResponseSink`s (workers,
/// which `admit`) and its `HTTPFront` (the loop, which reports `written` and `close`).
///
/// A send under the window costs one uncontended lock and no wait, so a buffered
/// response (one send: head, body and end) does not notice it. `@unchecked
/// Sendable`: every field is guarded by `condition`.
final class HTTPWriteWindow: @unchecked Sendable {
    /// How many outstanding bytes a sender may find before it waits: 1 MiB.
    ///
    /// Large enough that a client reading at full speed seldom makes a worker wait:
    /// each time the socket drains the loop has many 64 KiB pieces ready to write,
    /// and the kernel's socket buffer (a few MiB on loopback) sits behind the window
    /// besides. Small enough that a connection whose client reads nothing holds at
    /// most this plus one send, so a thousand stalled clients cost about a GiB
    /// rather than whatever their scripts produce.
    static let size = 1 << 20

    /// What a sender may do with its bytes.
    enum Admission: Equatable {
        /// Under the window (perhaps after a wait): hand them to the loop; they are counted.
        case admitted
        /// The client read nothing for the whole timeout: cut the response off.
        /// Given to one send only; the window is closed from then on.
        case timedOut
        /// The channel is gone, or its response was cut off: drop them.
        case closed
    }

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var outstanding = 0
    private var isClosed = false
    /// Senders blocked in `admit`: `written` signals only when there are some.
    private var waiters = 0

    /// Called by a worker before it hands `bytes` to the loop: waits, at most
    /// `timeout`, while more than `size` bytes are outstanding, then counts them in.
    /// The bytes admitted must be reported with `written` once the loop is done with them.
    func admit(_ bytes: Int, waitingAtMost timeout: Duration) -> Admission {
        condition.lock()
        defer { condition.unlock() }
        if outstanding > Self.size && !isClosed {
            let deadline = Date(timeIntervalSinceNow: timeout / .seconds(1))
            waiters += 1
            while outstanding > Self.size && !isClosed && condition.wait(until: deadline) {}
            waiters -= 1
            if outstanding > Self.size && !isClosed {
                isClosed = true
                condition.broadcast()  // other senders must not wait for a connection being cut off
                return .timedOut
            }
        }
        guard !isClosed else { return .closed }
        outstanding += bytes
        return .admitted
    }

    /// For a sender on the event loop, which must not wait (it is the loop that drains the
    /// window): counts `bytes` in at once, over the window or not; `.closed` once closed.
    func admitAtOnce(_ bytes: Int) -> Admission {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { return .closed }
        outstanding += bytes
        return .admitted
    }

    /// Called on the loop when a write of `bytes` admitted ones completed, written or failed.
    func written(_ bytes: Int) {
        condition.lock()
        outstanding -= bytes
        if waiters > 0 && outstanding <= Self.size { condition.broadcast() }
        condition.unlock()
    }

    /// The channel closed: every sender, waiting or to come, gets `.closed`.
    func close() {
        condition.lock()
        isClosed = true
        if waiters > 0 { condition.broadcast() }
        condition.unlock()
    }
}
