import Dispatch
import Foundation

/// Ctrl-C and SIGTERM: stop every started process by its PID, run
/// `cleanUp` (remove the work directory), and exit 128 + signal.
///
/// The signals are ignored at the process level and delivered to dispatch
/// sources instead, whose handler runs on its own queue: the main thread may
/// be blocked waiting for a wrk run. Children get default signal actions back
/// (`ChildProcess`), as an ignored signal survives `exec`.
struct SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(cleanUp: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\nluafcgid-bench: interrupted; stopping what was started\n".utf8))
                ProcessRegistry.shared.terminateAll()
                cleanUp()
                exit(128 + signalNumber)
            }
            source.resume()
            return source
        }
    }

    /// Keeps the sources alive until the end of the caller's scope.
    func keepAlive() {
        withExtendedLifetime(sources) {}
    }
}
