import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// The worker threads and everything they wait on: the shared epoll with its
/// registrations and wake-ups, and the bounded FIFO of requests waiting for a
/// worker (docs/ARCHITECTURE.md, "The worker loop").
///
/// Each of the `workers` threads takes, in this order: the oldest queued
/// request, else the next ready descriptor of the shared `Epoll` — a FastCGI
/// listener or connection — which it reads itself, running the first request
/// it completes right there when nothing is queued. So a FastCGI request costs
/// no hop between threads: the worker that reads it runs it and writes the
/// answer. More requests read at once (multiplexed on one connection) go to the
/// queue, where the other workers take them.
///
/// While every worker runs a request, nobody would read the sockets: the
/// *overflow reader* thread then takes the epoll's events in their place and
/// reads what arrives into the queue (one more than `queue` gets 503 at once),
/// so ABORTs are heard and a request that waited too long is seen. It never
/// runs Lua. It steps in only once no worker was idle for a whole look
/// (`overflowPollMilliseconds`): under a steady load workers become idle every
/// few hundred microseconds and read for themselves, without a hop between
/// threads. It is parked while the server is idle.
final class WorkerLoop: @unchecked Sendable {
    private let lock = NIOLock()
    /// Guarded by `lock`.
    private var queue = CircularBuffer<Request>()
    /// Guarded by `lock`.
    private var stopping = false
    /// `stopping`, for readers that take no lock.
    private let stoppingFlag = Atomic<Bool>(false)
    /// Every registered source by its epoll token; guarded by `lock`. An event's token
    /// is looked up here, so an event that raced with `unregister` finds nothing.
    private var sources: [Epoll.Token: any PollSource] = [:]
    /// Guarded by `lock`; 0 and 1 are the wake-up signals'.
    private var nextToken: Epoll.Token = 2
    /// Workers waiting in the epoll; guarded by `lock`.
    private var idleWorkers = 0
    /// How many times a worker went to wait; guarded by `lock`. Unchanged over one of the
    /// overflow reader's looks means no worker was idle for that long.
    private var idleEntries: UInt64 = 0
    /// Whether the overflow reader was told to watch; guarded by `lock`.
    private var overflowAwake = false
    /// Listeners that ran out of descriptors and wait to be watched again; guarded by `lock`.
    private var starved: [FastCGIListener] = []
    /// The most requests the queue holds (`queue`); guarded by `lock`, changed by a reload.
    private var capacity: Int
    /// Worker threads started so far, which names the next one; guarded by `lock`.
    private var workersStarted = 0
    /// Worker threads alive or about to start, less those told to retire: `workers`. Guarded by `lock`.
    private var workerTarget = 0
    /// Workers that should end instead of taking more work, after a reload lowered
    /// `workers`; guarded by `lock`. A worker ends between requests, never during one.
    private var retiring = 0
    private let finished = DispatchGroup()
    private let poller = Epoll()
    /// Raised once per request queued, edge-triggered: each raise wakes one waiting
    /// worker (level-triggered, it would keep the overflow reader spinning while the queue
    /// is not empty).
    private let queued = WakeSignal()
    /// Raised once stopping: every worker wakes, drains the queue and ends.
    private let stopped = WakeSignal()
    /// True while the overflow reader should watch (every worker busy).
    private let overflowWanted = ConditionLock<Bool>(value: false)
    private static let queuedToken: Epoll.Token = 0
    private static let stoppedToken: Epoll.Token = 1
    /// How often the overflow reader looks whether every worker stayed busy, and how long it
    /// waits for an event when they did.
    private static let overflowPollMilliseconds: Int32 = 5
    /// How long the overflow reader stays watching after every worker was last busy, before it parks.
    private static let overflowLinger = Duration.seconds(1)
    /// How often a starved listener is tried again when no connection closes meanwhile.
    private static let starvedRetrySeconds = 0.1

    /// What a worker does with a request: run it, or refuse it (503) when the queue is full.
    /// `answerAtOnce` is asked first by whoever read the request (a worker, the overflow
    /// reader, the HTTP event loop): true when it answered the request itself, right there
    /// and without waiting (the ping and status pages), so it is neither run nor queued.
    struct Work: Sendable {
        var run: @Sendable (Request) -> Void
        var refuse: @Sendable (Request) -> Void
        var answerAtOnce: @Sendable (Request) -> Bool = { _ in false }
    }

    private var work: Work?

    init(capacity: Int) {
        self.capacity = capacity
        precondition(poller.addEdgeTriggered(queued.descriptor, token: Self.queuedToken))
        precondition(poller.addLevelTriggered(stopped.descriptor, token: Self.stoppedToken))
    }

    /// Starts `count` worker threads and the overflow reader.
    func start(workers count: Int, work: Work) {
        self.work = work
        lock.withLock { workerTarget = count }
        startWorkers(count, work: work)
        finished.enter()
        NamedThread.start("lf-overflow", stackSize: 1 << 20) { [self] in
            self.readOverflow()
            self.finished.leave()
        }
    }

    /// Starts `count` more worker threads.
    private func startWorkers(_ count: Int, work: Work) {
        for _ in 0..<count {
            let index = lock.withLock {
                workersStarted += 1
                return workersStarted
            }
            finished.enter()
            NamedThread.start("lf-worker-\(index)", stackSize: 8 << 20) { [self] in
                self.serve(work)
                self.finished.leave()
            }
        }
    }

    /// A reload's new `workers` and `queue` (SPEC §6): more workers start at once; fewer
    /// means that many end as soon as they are between requests, so no request is cut
    /// short. A smaller queue refuses only requests that arrive once it is over the new bound.
    func resize(workers count: Int, queue newCapacity: Int) {
        let more: Int = lock.withLock {
            capacity = newCapacity
            guard work != nil, !stopping else { return 0 }
            let change = count - workerTarget
            workerTarget = count
            if change < 0 {
                retiring -= change
                // Wake the idle ones: a woken worker with nothing queued looks at `retiring` first.
                for _ in 0..<min(-change, idleWorkers) { queued.raise() }
                return 0
            }
            // Those still told to retire stay instead: fewer threads to start.
            let kept = min(change, retiring)
            retiring -= kept
            return change - kept
        }
        if let work, more > 0 { startWorkers(more, work: work) }
    }

    /// The number of worker threads the loop keeps: `workers`, as last set.
    var workerCount: Int {
        lock.withLock { workerTarget }
    }

    // MARK: The queue

    /// Queues `request` (unless it is answered at once); false when the queue is full or the loop is stopping.
    func submit(_ request: Request) -> Bool {
        if let work, work.answerAtOnce(request) { return true }
        return lock.withLock { enqueue(request) }
    }

    /// Requests waiting for a worker.
    var waiting: Int {
        lock.withLock { queue.count }
    }

    /// Whether `stop` was called: connections close instead of waiting for more requests.
    /// Read without the lock: connections ask it on every re-arm.
    var isStopping: Bool {
        stoppingFlag.load(ordering: .acquiring)
    }

    /// Requests a front has just read: the calling worker runs the first itself
    /// (`mayRun`, and nothing older waits), the others join the queue; those past
    /// its capacity are refused at once.
    func dispatch(_ requests: [Request], mayRun: Bool) {
        guard !requests.isEmpty, let work else { return }
        var runHere: Request?
        var refused: [Request] = []
        // One request per read is the rule: checked without making a new array.
        let requests = requests.count == 1
            ? (work.answerAtOnce(requests[0]) ? [] : requests) : requests.filter { !work.answerAtOnce($0) }
        lock.withLock {
            for request in requests {
                if mayRun, runHere == nil, queue.isEmpty {
                    runHere = request
                } else if !enqueue(request) {
                    refused.append(request)
                }
            }
        }
        refused.forEach(work.refuse)
        if let runHere { work.run(runHere) }
    }

    /// Appends under `lock`; false when full or stopping.
    private func enqueue(_ request: Request) -> Bool {
        guard !stopping, queue.count < capacity else { return false }
        queue.append(request)
        queued.raise()
        return true
    }

    // MARK: Sources

    /// Makes a source with the token it is watched under and enters it in the table;
    /// nil when stopping. The source keeps only the number (see `PollSource`).
    func register<Source: PollSource>(_ make: (Epoll.Token) -> Source) -> Source? {
        lock.withLock {
            guard !stopping else { return nil }
            let token = nextToken
            nextToken += 1
            let source = make(token)
            sources[token] = source
            return source
        }
    }

    /// Sources in the table (listeners and connections), for tests.
    var registeredCount: Int {
        lock.withLock { sources.count }
    }

    /// Watches a registered descriptor, one-shot: `first` adds it, else it is re-armed after its event.
    func watch(_ descriptor: Int32, token: Epoll.Token, first: Bool) -> Bool {
        first ? poller.addOneShot(descriptor, token: token) : poller.rearm(descriptor, token: token)
    }

    /// Stops watching and forgets the source; call before closing the descriptor. A
    /// descriptor is free again, so a listener that ran out of them is tried again.
    func unregister(token: Epoll.Token, descriptor: Int32?) {
        if let descriptor { poller.remove(descriptor) }
        let retry: [FastCGIListener] = lock.withLock {
            sources[token] = nil
            defer { starved.removeAll() }
            return starved
        }
        retry.forEach { $0.watchAgain(in: self) }
    }

    /// A listener that could not accept for want of descriptors waits here, unwatched,
    /// until a connection closes or a moment passes — no thread sleeps holding it.
    func starve(_ listener: FastCGIListener) {
        lock.withLock { starved.append(listener) }
        wakeOverflowReader()
    }

    // MARK: Stopping

    /// Lets the workers finish what is queued and running, then waits up to `timeout` for them to end;
    /// then closes the sources still registered (idle connections). Returns false if some
    /// workers were still busy when the time ran out (their sources are left open then).
    func stop(timeout: Duration) -> Bool {
        lock.withLock {
            stopping = true
            stoppingFlag.store(true, ordering: .releasing)
        }
        stopped.raise()
        wakeOverflowReader()
        let seconds = timeout.inSeconds
        guard finished.wait(timeout: .now() + seconds) == .success else { return false }
        let remaining = lock.withLock {
            defer { sources.removeAll() }
            return Array(sources.values)
        }
        remaining.forEach { $0.shutDown() }
        return true
    }

    // MARK: The workers

    private func serve(_ work: Work) {
        while true {
            switch next() {
            case .run(let request):
                work.run(request)
                continue
            case .stop:
                return
            case .wait:
                break
            }
            let token = poller.wait()
            if token == Self.queuedToken { queued.lower() }
            let (source, wakeOverflow): ((any PollSource)?, Bool) = lock.withLock {
                idleWorkers -= 1
                let wake = idleWorkers == 0 && !overflowAwake && !stopping
                if wake { overflowAwake = true }
                return (token.flatMap { sources[$0] }, wake)
            }
            if wakeOverflow { wakeOverflowReader() }
            source?.ready(in: self, mayRun: true)
        }
    }

    /// What a worker does next: run the oldest queued request, end, or wait on the epoll.
    private enum Next {
        case run(Request)
        case stop
        case wait
    }

    /// Takes the oldest queued request, in one lock with the stop check; a worker about to
    /// wait counts as idle. One raise woke one worker: with more queued and workers idle, the
    /// next is woken too. A worker told to retire ends first, passing on a wake-up it may
    /// have taken.
    private func next() -> Next {
        lock.withLock {
            if retiring > 0 && !stopping {
                retiring -= 1
                if !queue.isEmpty && idleWorkers > 0 { queued.raise() }
                return .stop
            }
            if let request = queue.popFirst() {
                if !queue.isEmpty && idleWorkers > 0 { queued.raise() }
                return .run(request)
            }
            if stopping { return .stop }
            idleWorkers += 1
            idleEntries &+= 1
            return .wait
        }
    }

    // MARK: The overflow reader

    private func wakeOverflowReader() {
        overflowWanted.lock()
        overflowWanted.unlock(withValue: true)
    }

    /// Parks until a worker finds every other busy (or a listener starves); then looks every
    /// `overflowPollMilliseconds` and takes events while no worker became idle since the
    /// last look, until the workers were not all busy for `overflowLinger`.
    private func readOverflow() {
        while true {
            if lock.withLock({ starved.isEmpty }) {
                overflowWanted.lock(whenValue: true)
                overflowWanted.unlock(withValue: false)
            } else if overflowWanted.lock(whenValue: true, timeoutSeconds: Self.starvedRetrySeconds) {
                overflowWanted.unlock(withValue: false)
            }
            retryStarved()
            if isStopping { return }
            var lastAllBusy = ContinuousClock.now
            var seenEntries: UInt64 = lock.withLock { idleEntries }
            while true {
                let (busy, entries, isStopping) = lock.withLock { (idleWorkers == 0, idleEntries, stopping) }
                if isStopping { return }
                let stayedBusy = busy && entries == seenEntries
                seenEntries = entries
                if busy { lastAllBusy = .now }
                if stayedBusy {
                    switch poller.wait(timeoutMilliseconds: Self.overflowPollMilliseconds) {
                    case Self.queuedToken?:
                        // Meant for a worker: pass it on if one became idle meanwhile.
                        lock.withLock { if !queue.isEmpty && idleWorkers > 0 { queued.raise() } }
                    case let token? where token != Self.stoppedToken:
                        lock.withLock { sources[token] }?.ready(in: self, mayRun: false)
                    default:
                        break
                    }
                } else if ContinuousClock.now - lastAllBusy > Self.overflowLinger {
                    break
                } else {
                    usleep(UInt32(Self.overflowPollMilliseconds) * 1000)
                }
                retryStarved()
            }
            lock.withLock { overflowAwake = false }
        }
    }

    private func retryStarved() {
        let retry: [FastCGIListener] = lock.withLock {
            defer { starved.removeAll() }
            return starved
        }
        retry.forEach { $0.watchAgain(in: self) }
    }
}
