import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The worker threads and what they wait on (docs/ARCHITECTURE.md, "Workers do their own FastCGI I/O").
///
/// Each of the `workers` threads takes, in this order: a request from the
/// bounded FIFO queue (what the HTTP front submits), else the next ready
/// descriptor of the shared `Epoll` — a FastCGI listener or connection — which it
/// serves itself, running the requests it reads right there. So a FastCGI
/// request costs no hop between threads: the worker that reads it runs it and
/// writes the answer. Lua never runs on an event loop, and a busy worker holds
/// only the connection it is serving: the other ready sockets go to the others.
///
/// A request that finds `capacity` requests already waiting is refused at once
/// (the front answers 503).
final class Dispatcher: @unchecked Sendable {
    private let lock = NIOLock()
    /// Guarded by `lock`.
    private var queue = CircularBuffer<Request>()
    /// Guarded by `lock`.
    private var stopping = false
    /// Every registered source, by its epoll token; guarded by `lock`. An event's
    /// token is looked up here, so an event that raced with `unregister` finds
    /// nothing instead of a freed source.
    private var registrations: [Epoll.Token: PollRegistration] = [:]
    private let capacity: Int
    private let finished = DispatchGroup()
    private let poller = Epoll()
    /// Raised while the queue holds requests.
    private let queued = WakeSignal()
    /// Raised once stopping: every worker wakes, drains the queue and ends.
    private let stopped = WakeSignal()
    private static let queuedToken: Epoll.Token = 0
    private static let stoppedToken: Epoll.Token = 1

    init(capacity: Int) {
        self.capacity = capacity
        precondition(poller.addLevelTriggered(queued.descriptor, token: Self.queuedToken))
        precondition(poller.addLevelTriggered(stopped.descriptor, token: Self.stoppedToken))
    }

    /// Starts `count` worker threads; `work` runs the queued requests.
    func start(workers count: Int, work: @escaping @Sendable (Request) -> Void) {
        for index in 0..<count {
            finished.enter()
            NamedThread.start("lf-worker-\(index + 1)", stackSize: 8 << 20) { [self] in
                self.serve(work)
                self.finished.leave()
            }
        }
    }

    /// Queues `request`; false when the queue is full or the dispatcher is stopping.
    func submit(_ request: Request) -> Bool {
        lock.withLock {
            guard !stopping, queue.count < capacity else { return false }
            queue.append(request)
            if queue.count == 1 { queued.raise() }
            return true
        }
    }

    /// Requests waiting for a worker.
    var waiting: Int {
        lock.withLock { queue.count }
    }

    /// Whether `stop` was called: connections close instead of waiting for more requests.
    var isStopping: Bool {
        lock.withLock { stopping }
    }

    // MARK: Sources

    /// Watches `descriptor` for `source`, one-shot; false when stopping or epoll refuses.
    func register(_ source: any PollSource, descriptor: Int32) -> PollRegistration? {
        let registration = PollRegistration(source: source, descriptor: descriptor)
        let added: Bool = lock.withLock {
            guard !stopping else { return false }
            registrations[registration.token] = registration
            return true
        }
        guard added else { return nil }
        guard poller.addOneShot(descriptor, token: registration.token) else {
            lock.withLock { _ = registrations.removeValue(forKey: registration.token) }
            return nil
        }
        return registration
    }

    /// Watches a registered source again after its event was handled.
    func rearm(_ registration: PollRegistration) -> Bool {
        poller.rearm(registration.descriptor, token: registration.token)
    }

    /// Stops watching; call before closing the descriptor.
    func unregister(_ registration: PollRegistration) {
        poller.remove(registration.descriptor)
        lock.withLock { _ = registrations.removeValue(forKey: registration.token) }
    }

    // MARK: Stopping

    /// Lets the workers finish what is queued and running, then waits up to `timeout` for them to end;
    /// then closes the sources still registered (idle connections). Returns false if some
    /// workers were still busy when the time ran out (their sources are left open then).
    func stop(timeout: Duration) -> Bool {
        lock.withLock { stopping = true }
        stopped.raise()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        guard finished.wait(timeout: .now() + seconds) == .success else { return false }
        let remaining = lock.withLock {
            defer { registrations.removeAll() }
            return Array(registrations.values)
        }
        for registration in remaining {
            poller.remove(registration.descriptor)
            registration.source.shutDown()
        }
        return true
    }

    // MARK: The workers

    private func serve(_ work: @Sendable (Request) -> Void) {
        while true {
            switch next() {
            case .run(let request):
                work(request)
                continue
            case .stop:
                return
            case .wait:
                break
            }
            switch poller.wait() {
            case nil, Self.queuedToken, Self.stoppedToken:
                continue
            case let token?:
                lock.withLock { registrations[token] }?.source.ready(on: self)
            }
        }
    }

    /// What a worker does next: run the oldest queued request, end, or wait on the epoll.
    private enum Next {
        case run(Request)
        case stop
        case wait
    }

    /// Takes the oldest queued request (lowering the signal when it was the last), in one lock with the stop check.
    private func next() -> Next {
        lock.withLock {
            if let request = queue.popFirst() {
                if queue.isEmpty { queued.lower() }
                return .run(request)
            }
            return stopping ? .stop : .wait
        }
    }
}
