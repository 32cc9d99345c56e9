import FastCGI
import Foundation
import NIOCore

/// A blocking FastCGI client over a unix socket, for integration tests: it
/// writes records exactly as given and reads until the server's END_REQUEST or EOF.
final class FastCGITestClient {
    /// What came back for one request.
    struct Response {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var appStatus: UInt32?
        var protocolStatus: FastCGIProtocolStatus?
        var text: String { String(decoding: stdout, as: UTF8.self) }
        var headers: String { text.components(separatedBy: "\r\n\r\n").first ?? "" }
        var body: String { text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
        var status: Int? {
            guard let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("Status: ") }) else { return nil }
            return Int(line.dropFirst("Status: ".count).prefix(3))
        }
    }

    private let fd: Int32
    private var pending = ByteBuffer()
    /// Records read but not yet claimed, by request id.
    private var responses: [UInt16: Response] = [:]
    private(set) var managementRecords: [FastCGIRecord] = []
    private(set) var closedByServer = false

    init(unixSocket path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw ClientError("connect to \(path): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Writing

    /// The records of a whole request: BEGIN_REQUEST, PARAMS, empty PARAMS, STDIN in chunks, empty STDIN.
    static func requestRecords(
        id: UInt16, parameters: [(String, String)], body: [UInt8] = [], keepConnection: Bool = true,
        role: FastCGIRole = .responder
    ) -> [FastCGIRecord] {
        var begin = ByteBuffer()
        begin.writeFastCGIBeginRequestBody(FastCGIBeginRequestBody(role: role, keepConnection: keepConnection))
        var params = ByteBuffer()
        for (name, value) in parameters { params.writeFastCGINameValuePair(name: name, value: value) }
        var records = [FastCGIRecord(type: .beginRequest, requestID: id, content: begin)]
        records.append(FastCGIRecord(type: .params, requestID: id, content: params))
        records.append(FastCGIRecord(type: .params, requestID: id))
        var offset = 0
        while offset < body.count {
            let chunk = Array(body[offset..<min(body.count, offset + 60_000)])
            records.append(FastCGIRecord(type: .stdin, requestID: id, content: ByteBuffer(bytes: chunk)))
            offset += chunk.count
        }
        records.append(FastCGIRecord(type: .stdin, requestID: id))
        return records
    }

    func send(_ records: [FastCGIRecord]) throws {
        var buffer = ByteBuffer()
        for record in records { buffer.writeFastCGIRecord(record) }
        try send(bytes: Array(buffer.readableBytesView))
    }

    func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError("send: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Sends as much of `bytes` as the server takes within `duration`, without blocking; returns the count taken.
    func sendWithoutWaiting(_ bytes: [UInt8], for duration: Duration) -> Int {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        let deadline = ContinuousClock.now + duration
        var offset = 0
        while offset < bytes.count, ContinuousClock.now < deadline {
            let written = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 { offset += written } else { usleep(2_000) }
        }
        return offset
    }

    /// Reads and drops up to `count` bytes of whatever the server sent; returns the count read (0 at EOF).
    func drain(upTo count: Int) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: min(count, 65536))
        let read = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if read == 0 || (read < 0 && errno == ECONNRESET) { return 0 }
        guard read > 0 else { throw ClientError("recv: \(String(cString: strerror(errno)))") }
        return read
    }

    // MARK: Reading

    /// Reads until request `id` ended; throws if the connection closed or timed out first.
    func response(for id: UInt16) throws -> Response {
        while responses[id]?.appStatus == nil {
            guard try readRecord() else { throw ClientError("connection closed before END_REQUEST of \(id)") }
        }
        return responses.removeValue(forKey: id)!
    }

    /// Runs one request and returns its response.
    func request(id: UInt16 = 1, _ parameters: [(String, String)], body: [UInt8] = [], keepConnection: Bool = true) throws -> Response {
        try send(Self.requestRecords(id: id, parameters: parameters, body: body, keepConnection: keepConnection))
        return try response(for: id)
    }

    /// Reads the next management record (request id 0).
    func managementRecord() throws -> FastCGIRecord {
        while managementRecords.isEmpty {
            guard try readRecord() else { throw ClientError("connection closed before a management record") }
        }
        return managementRecords.removeFirst()
    }

    /// Whether the server closes the connection (bounded by the receive timeout).
    func waitForClose() throws -> Bool {
        while try readRecord() {}
        return closedByServer
    }

    /// Reads one record; false at EOF.
    private func readRecord() throws -> Bool {
        while true {
            if let record = try pending.readFastCGIRecord() {
                apply(record)
                return true
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno == ECONNRESET) {
                closedByServer = true
                return false
            }
            guard count > 0 else { throw ClientError("recv: \(String(cString: strerror(errno)))") }
            pending.writeBytes(chunk[0..<count])
        }
    }

    private func apply(_ record: FastCGIRecord) {
        var content = record.content
        switch record.type {
        case .stdout: responses[record.requestID, default: Response()].stdout += content.readableBytesView
        case .stderr: responses[record.requestID, default: Response()].stderr += content.readableBytesView
        case .endRequest:
            let body = try? content.readFastCGIEndRequestBody(requestID: record.requestID)
            responses[record.requestID, default: Response()].appStatus = body?.appStatus ?? UInt32.max
            responses[record.requestID, default: Response()].protocolStatus = body?.protocolStatus
        default:
            managementRecords.append(record)
        }
    }
}
