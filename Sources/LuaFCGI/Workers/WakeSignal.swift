import CLinux
import Glibc

/// An eventfd that is readable while it is raised: how a worker asleep in
/// `Epoll.wait()` learns of queued requests or of the stop.
final class WakeSignal: Sendable {
    let descriptor: Int32

    init() {
        descriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(descriptor >= 0, "eventfd: \(String(cString: strerror(errno)))")
    }

    deinit {
        close(descriptor)
    }

    /// Makes the descriptor readable (it stays so until `lower`).
    func raise() {
        var one: UInt64 = 1
        _ = write(descriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// Makes the descriptor unreadable again.
    func lower() {
        var count: UInt64 = 0
        _ = read(descriptor, &count, MemoryLayout<UInt64>.size)
    }
}
