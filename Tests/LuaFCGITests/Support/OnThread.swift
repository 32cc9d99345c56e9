import Foundation

/// Runs `body` on a thread of its own and waits for it without holding one of
/// Swift concurrency's cooperative threads (as many as the machine has cores):
/// a test that blocks on a socket for seconds must not starve the other tests'
/// tasks, some of which race short server timeouts.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
