/// A descriptor the workers watch in the shared `Epoll`: a listening socket or a connection.
///
/// The `WorkerLoop` keeps each source in its table under a number, the epoll
/// token; the source keeps only that number, so nothing refers back to it but
/// the table, and leaving the table (`WorkerLoop.unregister`) frees it.
protocol PollSource: AnyObject, Sendable {
    /// Called on the one thread that took the descriptor's one-shot event. The source
    /// handles it, then watches again (`WorkerLoop.watch`) or leaves (`WorkerLoop.unregister`).
    /// `mayRun` is false on the overflow reader, which reads requests into the queue but
    /// never runs Lua.
    func ready(in loop: WorkerLoop, mayRun: Bool)
    /// Closes the descriptor; called at stop, once no worker can be using it.
    func shutDown()
}
