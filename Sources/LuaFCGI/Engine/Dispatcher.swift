import Foundation
import NIOCore

/// The bounded FIFO queue between the fronts and the worker threads (DESIGN).
///
/// `workers` threads take requests in arrival order and run them; Lua never
/// runs on an event loop. A request that finds `capacity` requests already
/// waiting is refused at once (the front answers 503).
final class Dispatcher: @unchecked Sendable {
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var queue = CircularBuffer<Request>()
    private var stopping = false
    private let capacity: Int
    private let finished = DispatchGroup()

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Starts `count` worker threads, each calling `work` for the requests it takes.
    func start(workers count: Int, work: @escaping @Sendable (Request) -> Void) {
        for index in 0..<count {
            finished.enter()
            NamedThread.start("lf-worker-\(index + 1)", stackSize: 8 << 20) { [self] in
                while let request = self.next() { work(request) }
                self.finished.leave()
            }
        }
    }

    /// Queues `request`; false when the queue is full or the dispatcher is stopping.
    func submit(_ request: Request) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, queue.count < capacity else { return false }
        queue.append(request)
        condition.signal()
        return true
    }

    /// Requests waiting for a worker.
    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Lets the workers finish what is queued and running, then waits up to `timeout` for them to end.
    /// Returns false if some were still busy when the time ran out.
    func stop(timeout: Duration) -> Bool {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// The next request, or nil once stopping and the queue is empty.
    private func next() -> Request? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        return queue.removeFirst()
    }
}
