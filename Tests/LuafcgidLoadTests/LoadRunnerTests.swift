import FastCGI
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import luafcgid_load

/// Whole runs against an in-process responder built from the FastCGI module's
/// server side. Count runs only: they end when their requests have, so nothing
/// here depends on timing.
@Suite struct LoadRunnerTests {
    private func plan(
        _ socket: String,
        scripts: [String] = ["/srv/ok.lua"],
        connections: Int = 4,
        depth: Int = 1,
        keepConnection: Bool = true,
        requests: Int = 200,
        postBytes: Int = 0
    ) -> LoadPlan {
        LoadPlan(
            target: .unix(path: socket),
            scripts: scripts,
            connections: connections,
            depth: depth,
            keepConnection: keepConnection,
            stop: .count(requests),
            postBytes: postBytes
        )
    }

    @Test func keptConnectionsAnswerEveryRequest() throws {
        try TestResponder.withSocket { socket in
            let report = try LoadRunner.run(self.plan(socket))
            #expect(report.requests == 200)
            #expect(report.errors == 0)
            #expect(report.non2xx == 0)
            #expect(report.p50 > 0 && report.p50 <= report.p99 && report.p99 <= report.maximum)
        }
    }

    @Test func multiplexedRequestsOnFewConnections() throws {
        try TestResponder.withSocket { socket in
            let report = try LoadRunner.run(self.plan(socket, connections: 2, depth: 8, requests: 301))
            #expect(report.requests == 301)
            #expect(report.errors == 0)
        }
    }

    @Test func aConnectionPerRequestWithoutKeepConn() throws {
        try TestResponder.withSocket { socket in
            let report = try LoadRunner.run(self.plan(socket, keepConnection: false, requests: 50))
            #expect(report.requests == 50)
            #expect(report.errors == 0)
        }
    }

    @Test func postBodiesArriveWhole() throws {
        try TestResponder.withSocket { socket in
            // The responder answers 400 when the body length differs from CONTENT_LENGTH.
            let report = try LoadRunner.run(self.plan(socket, depth: 2, requests: 40, postBytes: 70_000))
            #expect(report.requests == 40)
            #expect(report.non2xx == 0)
            #expect(report.errors == 0)
        }
    }

    @Test func scriptsGoRoundRobinAndStatusesAndFailuresAreCounted() throws {
        try TestResponder.withSocket { socket in
            let scripts = ["/srv/ok.lua", "/srv/missing.lua", "/srv/fail.lua", "/srv/ok.lua"]
            let report = try LoadRunner.run(self.plan(socket, scripts: scripts, connections: 1, requests: 100))
            #expect(report.requests == 75)
            #expect(report.non2xx == 25)
            #expect(report.errors == 25)
            #expect(report.errorsByKind == ["END_REQUEST": 25])
        }
    }

    @Test func aMissingServerEndsWithEveryRequestAnError() throws {
        let report = try LoadRunner.run(self.plan("/nonexistent/luafcgid-load.sock", requests: 20))
        #expect(report.requests == 0)
        #expect(report.errors == 20)
        #expect(report.errorsByKind == ["connect": 20])
    }
}

/// A FastCGI responder on a temporary unix socket. It answers by script name:
/// `missing.lua` with Status 404, `fail.lua` with appStatus 1, anything else 200
/// — or 400 when the body's length is not CONTENT_LENGTH.
private final class TestResponder: ChannelInboundHandler {
    typealias InboundIn = FastCGIRequestPart
    typealias OutboundOut = FastCGIResponsePart

    private var requests: [UInt16: (script: String, expected: Int, received: Int)] = [:]

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            let expected = Int(head.parameter("CONTENT_LENGTH") ?? "") ?? 0
            self.requests[head.requestID] = (head.parameter("SCRIPT_FILENAME") ?? "", expected, 0)
        case .body(let id, let chunk):
            self.requests[id]?.received += chunk.readableBytes
        case .end(let id):
            guard let request = self.requests.removeValue(forKey: id) else { return }
            let status =
                request.received != request.expected ? "400 Bad Body"
                : request.script.hasSuffix("/missing.lua") ? "404 Not Found" : "200 OK"
            let response = ByteBuffer(string: "Status: \(status)\r\nContent-Type: text/plain\r\n\r\nhello\n")
            context.write(self.wrapOutboundOut(.stdout(requestID: id, response)), promise: nil)
            let appStatus: UInt32 = request.script.hasSuffix("/fail.lua") ? 1 : 0
            context.writeAndFlush(self.wrapOutboundOut(.end(requestID: id, appStatus: appStatus)), promise: nil)
        case .abort(let id):
            self.requests[id] = nil
        }
    }

    /// Runs `body` with the path of a socket the responder listens on.
    static func withSocket(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lfload-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let socket = directory.appendingPathComponent("s.sock").path
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let server = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addFastCGIServerHandlers()
                    try channel.pipeline.syncOperations.addHandler(TestResponder())
                }
            }
            .bind(unixDomainSocketPath: socket)
            .wait()
        defer { try? server.close().wait() }
        try body(socket)
    }
}
