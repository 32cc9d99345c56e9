import CLinux
import Glibc

/// One epoll instance shared by every worker thread (docs/ARCHITECTURE.md, "The worker loop").
///
/// Sockets are registered one-shot: an event goes to exactly one waiting
/// thread, and the socket stays silent until it is re-armed. So whichever
/// worker is free takes the next ready socket. The stop signal is
/// level-triggered instead (every worker must see it), the queue's signal
/// edge-triggered (one wake-up per queued request).
final class Epoll: Sendable {
    private let descriptor: Int32

    /// The registered object an event is for (a listener, a connection or a signal).
    typealias Token = UInt64

    init() {
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(descriptor >= 0, "epoll_create1: \(String(cString: strerror(errno)))")
    }

    deinit {
        close(descriptor)
    }

    /// Watches `fd` for input, once: after the event it must be re-armed with `rearm`.
    func addOneShot(_ fd: Int32, token: Token) -> Bool {
        control(EPOLL_CTL_ADD, fd, token: token, events: Self.oneShotInput)
    }

    /// Watches `fd` for input again after its one-shot event was handled.
    func rearm(_ fd: Int32, token: Token) -> Bool {
        control(EPOLL_CTL_MOD, fd, token: token, events: Self.oneShotInput)
    }

    /// Watches `fd` for input, an event each time new input arrives (the queue's wake-up signal).
    func addEdgeTriggered(_ fd: Int32, token: Token) -> Bool {
        control(EPOLL_CTL_ADD, fd, token: token, events: EPOLLIN.rawValue | EPOLLET.rawValue)
    }

    /// Watches `fd` for input for as long as it is readable (the stop signal).
    func addLevelTriggered(_ fd: Int32, token: Token) -> Bool {
        control(EPOLL_CTL_ADD, fd, token: token, events: EPOLLIN.rawValue)
    }

    /// Stops watching `fd` (before it is closed).
    func remove(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, &event)
    }

    /// Waits for the next event and returns its token; nil when interrupted by a signal
    /// or after `timeoutMilliseconds` (-1: no limit). One event per call, so the others
    /// stay for the other workers.
    func wait(timeoutMilliseconds: Int32 = -1) -> Token? {
        var event = epoll_event()
        let count = epoll_wait(descriptor, &event, 1, timeoutMilliseconds)
        guard count == 1 else { return nil }
        return event.data.u64
    }

    private static let oneShotInput = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue

    private func control(_ operation: Int32, _ fd: Int32, token: Token, events: UInt32) -> Bool {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        return epoll_ctl(descriptor, operation, fd, &event) == 0
    }
}
