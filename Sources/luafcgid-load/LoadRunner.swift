import FastCGI
import NIOCore
import NIOPosix

/// Drives a run: opens the connections, hands out requests round-robin over the
/// scripts, counts how they end, and stops on time or on count.
///
/// Everything runs on one event loop thread, so nothing here is locked. One
/// thread is plenty for a client that mostly waits on sockets, and on a
/// two-core machine it leaves the other core to the server being measured.
///
/// Every run ends: a duration run at its deadline (what is in flight then is
/// dropped, or counted stalled past ``LoadPlan/stallSeconds``); a
/// count run once each of its requests has been answered or has failed — a
/// request fails at the latest after ``LoadPlan/requestTimeoutSeconds``, and a
/// failed connect uses up a request, so a dead server cannot keep it going.
final class LoadRunner {
    /// What ``takeRequest()`` hands a connection.
    struct Ticket {
        var script: Int
        /// Whether its answer is recorded (false for requests written during warm-up).
        var measured: Bool
    }

    private enum Phase {
        case warmingUp
        /// Recording since this uptime in nanoseconds.
        case measuring(since: UInt64)
        case finished
    }

    /// How often in-flight requests are checked against the timeout.
    private static let timeoutSweepInterval = TimeAmount.milliseconds(250)
    /// The pause before a slot retries a failed connect, so a dead server is not hammered.
    private static let reconnectDelay = TimeAmount.milliseconds(10)

    private let plan: LoadPlan
    private let requests: EncodedRequests
    private let address: SocketAddress
    private let eventLoop: any EventLoop
    private let promise: EventLoopPromise<LoadReport>
    private var phase = Phase.warmingUp
    /// The open connection of each slot, if any.
    private var connections: [LoadConnectionHandler?]
    /// Count runs: requests not handed out yet, and not yet ended. Nil in duration runs.
    private var unsent: Int?
    private var unresolved: Int?
    private var nextScript = 0
    private var tally = LoadTally()
    private var timeoutSweep: Scheduled<Void>?

    private init(plan: LoadPlan, requests: EncodedRequests, address: SocketAddress, eventLoop: any EventLoop) {
        self.plan = plan
        self.requests = requests
        self.address = address
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
        self.connections = Array(repeating: nil, count: plan.connections)
    }

    /// Runs `plan` to its end on a one-thread event loop group; blocks the caller.
    ///
    /// - Throws: when the address cannot be resolved. Failures during the run are
    ///   counted in the report, not thrown.
    static func run(_ plan: LoadPlan) throws -> LoadReport {
        let address = try plan.target.socketAddress()
        let requests = EncodedRequests(
            scripts: plan.scripts,
            depth: plan.depth,
            keepConnection: plan.keepConnection,
            postBytes: plan.postBytes
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let eventLoop = group.next()
        return try eventLoop.flatSubmit {
            LoadRunner(plan: plan, requests: requests, address: address, eventLoop: eventLoop).start()
        }.wait()
    }

    /// The monotonic clock every latency is measured with, in nanoseconds.
    static func now() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds
    }

    private func start() -> EventLoopFuture<LoadReport> {
        switch self.plan.stop {
        case .duration(let seconds, let warmup):
            if warmup > 0 {
                self.schedule(in: warmup) { $0.beginMeasuring(seconds: seconds) }
            } else {
                self.beginMeasuring(seconds: seconds)
            }
        case .count(let count):
            self.unsent = count
            self.unresolved = count
            self.phase = .measuring(since: Self.now())
        }
        for slot in self.connections.indices {
            self.connect(slot: slot)
        }
        self.scheduleTimeoutSweep()
        return self.promise.futureResult
    }

    // MARK: Phases

    private func beginMeasuring(seconds: Double) {
        self.phase = .measuring(since: Self.now())
        self.schedule(in: seconds) { $0.finish() }
    }

    private func finish() {
        guard case .measuring(let since) = self.phase else { return }
        let now = Self.now()
        let stall = UInt64(LoadPlan.stallSeconds) * 1_000_000_000
        for connection in self.connections {
            connection?.reportStalled(now: now, threshold: stall)
        }
        let seconds = Double(now - since) / 1e9
        self.phase = .finished
        self.timeoutSweep?.cancel()
        for connection in self.connections {
            connection?.close()
        }
        self.promise.succeed(LoadReport(tally: self.tally, seconds: seconds))
    }

    private func schedule(in seconds: Double, _ body: @escaping (LoadRunner) -> Void) {
        let delay = TimeAmount.nanoseconds(Int64((seconds * 1e9).rounded()))
        self.eventLoop.assumeIsolated().scheduleTask(in: delay) { body(self) }
    }

    private func scheduleTimeoutSweep() {
        self.timeoutSweep = self.eventLoop.assumeIsolated().scheduleTask(in: Self.timeoutSweepInterval) {
            let now = Self.now()
            let timeout = UInt64(LoadPlan.requestTimeoutSeconds) * 1_000_000_000
            for connection in self.connections {
                connection?.failTimedOut(now: now, timeout: timeout)
            }
            if case .finished = self.phase { return }
            self.scheduleTimeoutSweep()
        }
    }

    // MARK: Requests (called by the connections)

    /// The next request to send, or nil when the run wants no more.
    func takeRequest() -> Ticket? {
        let measured: Bool
        switch self.phase {
        case .finished: return nil
        case .warmingUp: measured = false
        case .measuring: measured = true
        }
        if let unsent = self.unsent {
            guard unsent > 0 else { return nil }
            self.unsent = unsent - 1
        }
        let script = self.nextScript
        self.nextScript = script + 1 == self.requests.scriptCount ? 0 : script + 1
        return Ticket(script: script, measured: measured)
    }

    func recordResponse(measured: Bool, status: Int, nanoseconds: UInt64) {
        guard self.isRunning else { return }
        if measured {
            self.tally.recordResponse(status: status, nanoseconds: nanoseconds)
        }
        self.resolved()
    }

    /// Failures count when they happen after the warm-up, whenever their request
    /// was written: a connection stuck since the warm-up is an error of the run.
    func recordFailure(_ failure: LoadFailure) {
        switch self.phase {
        case .finished: return
        case .warmingUp: break
        case .measuring: self.tally.recordFailure(failure)
        }
        self.resolved()
    }

    private var isRunning: Bool {
        if case .finished = self.phase { false } else { true }
    }

    /// One more request of a count run has ended; the last one ends the run.
    private func resolved() {
        guard let unresolved = self.unresolved else { return }
        self.unresolved = unresolved - 1
        if unresolved == 1 {
            self.finish()
        }
    }

    // MARK: Connections

    /// Whether `slot` should go on: the run is not over and has requests left to send.
    private var wantsConnections: Bool {
        self.isRunning && (self.unsent ?? 1) > 0
    }

    private func connect(slot: Int) {
        guard self.wantsConnections else { return }
        let runner = NIOLoopBound(self, eventLoop: self.eventLoop)
        let requests = self.requests
        let keepConnection = self.plan.keepConnection
        ClientBootstrap(group: self.eventLoop)
            .connectTimeout(.seconds(LoadPlan.requestTimeoutSeconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    try handlers.addHandler(
                        ByteToMessageHandler(FastCGIRecordDecoder(), maximumBufferSize: FastCGIRecord.maximumEncodedSize)
                    )
                    try handlers.addHandler(
                        LoadConnectionHandler(
                            runner: runner.value,
                            slot: slot,
                            requests: requests,
                            keepConnection: keepConnection
                        )
                    )
                }
            }
            .connect(to: self.address)
            .assumeIsolated()
            .whenFailure { error in self.connectFailed(slot: slot, error: error) }
    }

    /// A failed connect uses up one request of a count run, as its error, then the slot retries.
    private func connectFailed(slot: Int, error: any Error) {
        guard self.wantsConnections, self.takeRequest() != nil else { return }
        self.recordFailure(.connect("\(error)"))
        self.eventLoop.assumeIsolated().scheduleTask(in: Self.reconnectDelay) { self.connect(slot: slot) }
    }

    /// A connection is up; false when the run is over and it should close again.
    func connectionOpened(_ connection: LoadConnectionHandler, slot: Int) -> Bool {
        guard self.isRunning else { return false }
        self.connections[slot] = connection
        return true
    }

    /// A slot's connection is gone: open its next one while the run wants requests.
    func connectionClosed(slot: Int) {
        self.connections[slot] = nil
        self.connect(slot: slot)
    }
}
