import Foundation

/// Runs `body` on a thread of its own and waits for it without holding one
/// of Swift concurrency's cooperative threads (as many as the machine has
/// cores): blocking socket I/O for seconds must not starve other tasks.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
