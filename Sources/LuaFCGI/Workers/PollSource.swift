/// A descriptor the workers watch in the shared `Epoll`: a listening socket or a connection.
protocol PollSource: AnyObject, Sendable {
    /// Called on the one worker that took the descriptor's event. The source
    /// handles it, then re-arms itself (`Dispatcher.rearm`) or leaves (`Dispatcher.unregister`).
    func ready(on dispatcher: Dispatcher)
    /// Closes the descriptor; called at stop, once no worker can be using it.
    func shutDown()
}

/// A source's place in the dispatcher: its address is the epoll token, under
/// which the dispatcher's table keeps it while it is registered.
final class PollRegistration: Sendable {
    let source: any PollSource
    let descriptor: Int32

    init(source: any PollSource, descriptor: Int32) {
        self.source = source
        self.descriptor = descriptor
    }

    var token: Epoll.Token {
        Epoll.Token(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))
    }
}
