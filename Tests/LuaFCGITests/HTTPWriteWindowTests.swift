import Dispatch
import Testing

@testable import LuaFCGI

/// The window alone, with threads standing in for the workers and the event loop.
@Suite struct HTTPWriteWindowTests {
    @Test func underTheWindowASendIsAdmittedAtOnce() {
        let window = HTTPWriteWindow()
        #expect(window.admit(HTTPWriteWindow.size, waitingAtMost: .zero) == .admitted)
        // At the window is not over it: admitted, whatever the send's own size.
        #expect(window.admit(HTTPWriteWindow.size, waitingAtMost: .zero) == .admitted)
    }

    @Test func overTheWindowASendWaitsForTheWriteAndTimesOutOnce() {
        let window = HTTPWriteWindow()
        #expect(window.admit(HTTPWriteWindow.size + 1, waitingAtMost: .zero) == .admitted)
        #expect(window.admit(1, waitingAtMost: .milliseconds(20)) == .timedOut)
        // Cut off: later sends are dropped at once, even once the bytes are written.
        window.written(HTTPWriteWindow.size + 1)
        #expect(window.admit(1, waitingAtMost: .seconds(10)) == .closed)
    }

    @Test(.timeLimit(.minutes(1))) func aWriteWakesTheWaitingSender() {
        let window = HTTPWriteWindow()
        #expect(window.admit(2 * HTTPWriteWindow.size, waitingAtMost: .zero) == .admitted)
        let sender = Admitting(window)
        window.written(HTTPWriteWindow.size)
        #expect(sender.result() == .admitted)
    }

    @Test(.timeLimit(.minutes(1))) func aClosedChannelWakesTheWaitingSender() {
        let window = HTTPWriteWindow()
        #expect(window.admit(2 * HTTPWriteWindow.size, waitingAtMost: .zero) == .admitted)
        let sender = Admitting(window)
        window.close()
        #expect(sender.result() == .closed)
        #expect(window.admit(0, waitingAtMost: .zero) == .closed)
    }

    /// A sender on another thread, waiting up to 30 s: the test's time limit, not a timeout, ends a lost wake-up.
    private final class Admitting: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var admission: HTTPWriteWindow.Admission?

        init(_ window: HTTPWriteWindow) {
            DispatchQueue.global().async {
                self.admission = window.admit(1, waitingAtMost: .seconds(30))
                self.done.signal()
            }
        }

        func result() -> HTTPWriteWindow.Admission? {
            done.wait()
            return admission
        }
    }
}
