import CLinux
import Glibc
import Logging
import NIOConcurrencyHelpers

/// A FastCGI listening socket in the workers' epoll: the worker that gets its
/// event accepts one connection, re-arms the listener at once (so the next
/// connection can go to another worker) and serves the new one itself, then
/// the next few waiting ones.
final class FastCGIListener: PollSource {
    private let settings: FastCGIConnection.Settings
    /// The socket; nil once closed. The lock orders an accept against `close`.
    private let socket: NIOLockedValueBox<Int32?>
    private let registration: NIOLockedValueBox<PollRegistration?> = .init(nil)

    init(descriptor: Int32, settings: FastCGIConnection.Settings) {
        self.socket = .init(descriptor)
        self.settings = settings
    }

    /// Starts accepting; false if the dispatcher is stopping.
    func start(on dispatcher: Dispatcher) -> Bool {
        guard let fd = socket.withLockedValue({ $0 }), let registered = dispatcher.register(self, descriptor: fd) else {
            return false
        }
        registration.withLockedValue { $0 = registered }
        return true
    }

    /// Connections one wake-up may serve: after the first, the worker takes the
    /// next waiting connection straight from the backlog, which under load saves
    /// the epoll wait and the re-arm; the bound leaves kept-alive connections and
    /// the queue their turn.
    private static let connectionsPerWake = 8

    func ready(on dispatcher: Dispatcher) {
        var rearming: Dispatcher? = dispatcher
        for _ in 0..<Self.connectionsPerWake {
            guard let accepted = accept(rearmingIn: rearming) else { return }
            rearming = nil
            FastCGIConnection(descriptor: accepted, settings: settings).serve(on: dispatcher)
            if dispatcher.isStopping { return }
        }
    }

    /// Accepts one waiting connection, if any; re-arms the listener in `dispatcher` when given
    /// (after its event), so the next connection can go to another worker meanwhile.
    private func accept(rearmingIn dispatcher: Dispatcher?) -> Int32? {
        socket.withLockedValue { fd in
            guard let fd else { return nil }
            let connection = clinux_accept(fd)
            let failure = errno
            if let dispatcher, let registered = registration.withLockedValue({ $0 }) { _ = dispatcher.rearm(registered) }
            guard connection >= 0 else {
                if failure != EAGAIN && failure != EWOULDBLOCK && failure != EINTR && failure != ECONNABORTED {
                    settings.logger.warning("accept: \(String(cString: strerror(failure)))")
                    // Out of descriptors: give the running requests a moment to free some
                    // instead of spinning on a listener that stays readable.
                    if failure == EMFILE || failure == ENFILE { usleep(10_000) }
                }
                return nil
            }
            return connection
        }
    }

    /// Stops accepting and closes the socket.
    func close(on dispatcher: Dispatcher) {
        socket.withLockedValue { fd in
            guard let open = fd else { return }
            if let registered = registration.withLockedValue({ $0 }) { dispatcher.unregister(registered) }
            Glibc.close(open)
            fd = nil
        }
    }

    func shutDown() {
        socket.withLockedValue { fd in
            if let open = fd { Glibc.close(open) }
            fd = nil
        }
    }
}
