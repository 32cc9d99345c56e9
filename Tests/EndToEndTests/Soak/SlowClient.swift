import Foundation
import Synchronization

/// One connection of the soak's slow client: keep-alive HTTP/1.1 to nginx's
/// TCP port, one request after the other until `deadline`, each sent in
/// pieces and its answer read in small bites, with pauses in between: the
/// headers in three pieces and the 16 KiB body in eight, 50 ms apart, then
/// the answer (`SoakScripts.slow`, 128 KiB) 4 KiB at a time, 30 ms apart;
/// about 1.5 s a request.
///
/// It goes through nginx's default, buffered location, where nginx takes the
/// whole body before it calls luafcgid and the whole answer before it feeds
/// the client, as deployed. (Through `/unbuffered/` luafcgid would meet the
/// client's pace, and `watchdog`, which counts a request's wall-clock time,
/// I/O waits included, would stop it at 1 s.)
///
/// `run` blocks its thread (the pauses are the point, not synchronisation);
/// the soak runs it with `onThread`. A failed connection counts as a socket
/// error and is opened anew after 100 ms. Bounded: no request starts after
/// `deadline` or once `stop` is set, and one gives up after 30 s.
struct SlowClient: Sendable {
    static let name = "slow"
    static let path = "\(NginxServer.keptPrefix)/slow.lua"
    static let uploadBytes = 16 * 1024
    static var expectedBody: String { "\(uploadBytes)\n" + SoakScripts.slowPayload }

    let port: Int
    let deadline: ContinuousClock.Instant
    let stop: SoakStop

    struct Outcome: Sendable {
        var requests = 0
        var unexpected: [String: Int] = [:]
        var socketErrors = 0
        var firstFailure: String?
    }

    func run() -> Outcome {
        var outcome = Outcome()
        var connection: Int32?
        defer { if let connection { close(connection) } }
        while ContinuousClock.now < deadline && !stop.isSet {
            do {
                let fd = try connection ?? LoopbackPort.connect(to: port)
                connection = fd
                let answer = try exchange(on: fd)
                outcome.requests += 1
                if answer.status != 200 {
                    outcome.unexpected["\(answer.status)", default: 0] += 1
                } else if answer.body != Self.expectedBody {
                    outcome.unexpected["200+body", default: 0] += 1
                }
                if !answer.keepAlive {
                    close(fd)
                    connection = nil
                }
            } catch {
                outcome.socketErrors += 1
                if outcome.firstFailure == nil { outcome.firstFailure = "\(error)" }
                if let fd = connection { close(fd) }
                connection = nil
                usleep(100_000)
            }
        }
        return outcome
    }

    private struct Answer {
        var status: Int
        var body: String
        var keepAlive: Bool
    }

    private func exchange(on fd: Int32) throws -> Answer {
        let head = "POST \(Self.path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(Self.uploadBytes)\r\n\r\n"
        let headBytes = Array(head.utf8)
        let third = headBytes.count / 3
        for piece in [headBytes[..<third], headBytes[third..<(2 * third)], headBytes[(2 * third)...]] {
            try sendAll(Array(piece), on: fd)
            usleep(50_000)
        }
        let piece = [UInt8](repeating: UInt8(ascii: "s"), count: Self.uploadBytes / 8)
        for _ in 0..<8 {
            try sendAll(piece, on: fd)
            usleep(50_000)
        }
        return try readAnswer(from: fd)
    }

    private func sendAll(_ bytes: [UInt8], on fd: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw HarnessError("slow client: send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Reads one answer, 4 KiB at a time with a pause after each read, up to
    /// the end of its `Content-Length` body (luafcgid's buffered answers carry one,
    /// and nginx keeps it).
    private func readAnswer(from fd: Int32) throws -> Answer {
        let giveUp = ContinuousClock.now + .seconds(30)
        var received: [UInt8] = []
        var head: (status: Int, length: Int, keepAlive: Bool, bodyStart: Int)?
        var chunk = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < giveUp {
            if let head, received.count >= head.bodyStart + head.length {
                let body = String(decoding: received[head.bodyStart..<(head.bodyStart + head.length)], as: UTF8.self)
                return Answer(status: head.status, body: body, keepAlive: head.keepAlive)
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                let reason = count == 0 ? "connection closed" : String(cString: strerror(errno))
                throw HarnessError("slow client: \(reason) after \(received.count) bytes of an answer")
            }
            received += chunk[..<count]
            if head == nil { head = try Self.parseHead(received) }
            usleep(30_000)
        }
        throw HarnessError("slow client: no whole answer in 30 s (\(received.count) bytes)")
    }

    /// The status, Content-Length, keep-alive and where the body starts, once
    /// the header block is in; nil before.
    private static func parseHead(_ bytes: [UInt8]) throws -> (status: Int, length: Int, keepAlive: Bool, bodyStart: Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) }) else {
            return nil
        }
        let text = String(decoding: bytes[..<end], as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let statusFields = lines[0].split(separator: " ")
        guard statusFields.count >= 2, let status = Int(statusFields[1]) else {
            throw HarnessError("slow client: bad status line '\(lines[0])'")
        }
        let fields = HTTPResponse.parseHeaderLines(Substring(lines.dropFirst().joined(separator: "\n")))
        guard let length = fields.last(where: { $0.name == "content-length" }).flatMap({ Int($0.value) }) else {
            throw HarnessError("slow client: an answer without Content-Length:\n\(text)")
        }
        let keepAlive = fields.last(where: { $0.name == "connection" })?.value.lowercased() != "close"
        return (status, length, keepAlive, end + 4)
    }
}

/// Tells the slow client's threads to start no more requests: set when the
/// soak fails early, so they end within a request instead of at the deadline.
final class SoakStop: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .relaxed) }

    func set() {
        flag.store(true, ordering: .relaxed)
    }
}
