import NIOCore
import Testing

@testable import FastCGI

/// BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE bodies.
@Suite struct FastCGIRecordBodyTests {
    @Test func readsABeginRequestBody() throws {
        var keep = ByteBuffer(bytes: beginRequestContent(role: 1, keepConnection: true))
        #expect(try keep.readFastCGIBeginRequestBody(requestID: 1) == FastCGIBeginRequestBody(role: .responder, keepConnection: true))
        var close = ByteBuffer(bytes: beginRequestContent(role: 3, keepConnection: false))
        #expect(try close.readFastCGIBeginRequestBody(requestID: 1) == FastCGIBeginRequestBody(role: .filter, keepConnection: false))
    }

    @Test func ignoresFlagsOtherThanKeepConn() throws {
        var buffer = ByteBuffer(bytes: [0, 1, 0xFE, 0, 0, 0, 0, 0])
        #expect(try buffer.readFastCGIBeginRequestBody(requestID: 1).keepConnection == false)
    }

    @Test(arguments: [0, 7, 9, 16])
    func rejectsABeginRequestBodyOfTheWrongLength(length: Int) {
        var buffer = ByteBuffer(bytes: [UInt8](repeating: 0, count: length))
        #expect(throws: FastCGIProtocolError.invalidContentLength(.beginRequest, requestID: 4, length: length)) {
            try buffer.readFastCGIBeginRequestBody(requestID: 4)
        }
    }

    @Test func beginRequestBodyRoundTrips() throws {
        let body = FastCGIBeginRequestBody(role: FastCGIRole(rawValue: 0x0102), keepConnection: true)
        var buffer = ByteBuffer()
        #expect(buffer.writeFastCGIBeginRequestBody(body) == 8)
        #expect(Array(buffer.readableBytesView) == [1, 2, 1, 0, 0, 0, 0, 0])
        #expect(try buffer.readFastCGIBeginRequestBody(requestID: 1) == body)
    }

    @Test func writesAnEndRequestBody() throws {
        var buffer = ByteBuffer()
        buffer.writeFastCGIEndRequestBody(FastCGIEndRequestBody(appStatus: 0x0102_0304, protocolStatus: .unknownRole))
        #expect(Array(buffer.readableBytesView) == [1, 2, 3, 4, 3, 0, 0, 0])
        #expect(try buffer.readFastCGIEndRequestBody(requestID: 1) == FastCGIEndRequestBody(appStatus: 0x0102_0304, protocolStatus: .unknownRole))
    }

    @Test func writesAnUnknownTypeBody() throws {
        var buffer = ByteBuffer()
        buffer.writeFastCGIUnknownTypeBody(FastCGIUnknownTypeBody(type: FastCGIRecordType(rawValue: 42)))
        #expect(Array(buffer.readableBytesView) == [42, 0, 0, 0, 0, 0, 0, 0])
        #expect(try buffer.readFastCGIUnknownTypeBody().type.rawValue == 42)
    }

    @Test func protocolStatusesAndRolesHaveTheSpecValues() {
        #expect([FastCGIProtocolStatus.requestComplete, .cantMultiplexConnection, .overloaded, .unknownRole].map(\.rawValue) == [0, 1, 2, 3])
        #expect([FastCGIRole.responder, .authorizer, .filter].map(\.rawValue) == [1, 2, 3])
    }
}
