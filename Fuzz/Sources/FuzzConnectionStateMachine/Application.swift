import NIOCore

/// How the fuzzed application answers, from one control byte, so that libFuzzer explores
/// the outbound side too:
///
/// ```
/// bit 0  answer on the head, before STDIN ends (an early 413), instead of on STDIN's end
/// bit 1  write STDOUT before the end           bit 5  end twice
/// bit 2  write STDERR before the end           bit 6  echo each body part as STDOUT
/// bit 3  also write to a request not active    bit 7  appStatus 1 instead of 0
/// bit 4  never end (leave it to the close)
/// ```
struct Application {
    var answersEarly: Bool
    var writesStdout: Bool
    var writesStderr: Bool
    var writesStray: Bool
    var neverEnds: Bool
    var endsTwice: Bool
    var echoesBody: Bool
    var appStatus: UInt32

    init(behavior: UInt8) {
        func bit(_ n: UInt8) -> Bool { behavior & (1 << n) != 0 }
        self.answersEarly = bit(0)
        self.writesStdout = bit(1)
        self.writesStderr = bit(2)
        self.writesStray = bit(3)
        self.neverEnds = bit(4)
        self.endsTwice = bit(5)
        self.echoesBody = bit(6)
        self.appStatus = bit(7) ? 1 : 0
    }

    static let stdout = ByteBuffer(string: "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nok")
    static let stderr = ByteBuffer(string: "fuzz: a warning")
}

/// What the application ties to a request it has seen (``FastCGIConnectionStateMachine/attach(_:to:)``).
final class RequestHandle: Sendable {}
