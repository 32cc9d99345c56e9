import CLinux
import Glibc
import Logging
import NIOConcurrencyHelpers

/// A FastCGI listening socket in the worker loop: the thread that gets its
/// event accepts one connection, re-arms the listener at once (so the next
/// connection can go to another worker) and serves the new one itself, then
/// the next few waiting ones.
///
/// Out of descriptors (EMFILE, ENFILE) it stops being watched and waits in the
/// loop until a connection closes or a moment passes (`WorkerLoop.starve`):
/// no thread sleeps on it, and a listener that stays readable is not spun on.
final class FastCGIListener: PollSource, @unchecked Sendable {
    /// Shared with its connections; a reload replaces what is in it.
    private let settings: Reloadable<FastCGIConnection.Settings>
    private let token: Epoll.Token
    /// The socket; nil once closed. The lock orders an accept or a re-arm against `close`.
    private let socket: NIOLockedValueBox<Int32?>
    /// Whether the descriptor was added to the epoll; guarded by `socket`'s lock.
    private var added = false

    private init(descriptor: Int32, token: Epoll.Token, settings: Reloadable<FastCGIConnection.Settings>) {
        self.socket = .init(descriptor)
        self.token = token
        self.settings = settings
    }

    /// Registers a listening socket in `loop` and watches it; nil (the socket closed) if the loop is stopping.
    static func start(
        descriptor: Int32, settings: Reloadable<FastCGIConnection.Settings>, in loop: WorkerLoop
    ) -> FastCGIListener? {
        guard let listener = loop.register({ FastCGIListener(descriptor: descriptor, token: $0, settings: settings) }) else {
            Glibc.close(descriptor)
            return nil
        }
        listener.watchAgain(in: loop)
        return listener
    }

    /// Connections one wake-up may serve: after the first, the thread takes the
    /// next waiting connection straight from the backlog, which under load saves
    /// the epoll wait and the re-arm; the bound leaves kept-alive connections and
    /// the queue their turn.
    private static let connectionsPerWake = 8

    func ready(in loop: WorkerLoop, mayRun: Bool) {
        for index in 0..<Self.connectionsPerWake {
            switch accept() {
            case .accepted(let descriptor):
                if index == 0 { watchAgain(in: loop) }
                FastCGIConnection.serve(accepted: descriptor, settings: settings, loop: loop, mayRun: mayRun)
                if loop.isStopping { return }
            case .none:
                if index == 0 { watchAgain(in: loop) }
                return
            case .outOfDescriptors:
                loop.starve(self)
                return
            }
        }
    }

    private enum Accepted {
        case accepted(Int32)
        case none
        case outOfDescriptors
    }

    /// Accepts one waiting connection, if any.
    private func accept() -> Accepted {
        socket.withLockedValue { fd in
            guard let fd else { return .none }
            let connection = clinux_accept(fd)
            guard connection < 0 else { return .accepted(connection) }
            let failure = errno
            switch failure {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED:
                return .none
            case EMFILE, ENFILE:
                settings.current.logger.warning("accept: \(String(cString: strerror(failure))); new connections wait until descriptors are free")
                return .outOfDescriptors
            default:
                settings.current.logger.warning("accept: \(String(cString: strerror(failure)))")
                return .none
            }
        }
    }

    /// Watches the socket (again), unless it was closed.
    func watchAgain(in loop: WorkerLoop) {
        socket.withLockedValue { fd in
            guard let fd else { return }
            if loop.watch(fd, token: token, first: !added) {
                added = true
            } else {
                settings.current.logger.error("the listener cannot be watched: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Stops accepting, leaves the loop's table and closes the socket.
    func close(in loop: WorkerLoop) {
        // Taken under the lock, so no accept or re-arm can use it after; closed outside it,
        // as leaving the table may re-arm starved listeners, this one included.
        let taken: (descriptor: Int32, added: Bool)? = socket.withLockedValue { fd in
            defer { fd = nil }
            return fd.map { ($0, added) }
        }
        guard let taken else { return }
        loop.unregister(token: token, descriptor: taken.added ? taken.descriptor : nil)
        Glibc.close(taken.descriptor)
    }

    func shutDown() {
        socket.withLockedValue { fd in
            if let open = fd { Glibc.close(open) }
            fd = nil
        }
    }
}
