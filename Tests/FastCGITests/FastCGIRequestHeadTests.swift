import NIOCore
import Testing

@testable import FastCGI

@Suite struct FastCGIRequestHeadTests {
    let head = FastCGIRequestHead(
        requestID: 1,
        keepConnection: true,
        parameters: [
            FastCGIParameter(name: "REQUEST_METHOD", value: "GET"),
            FastCGIParameter(name: "HTTP_X", value: "first"),
            FastCGIParameter(name: "HTTP_X", value: "second"),
            FastCGIParameter(name: byteBuffer("RAW"), value: ByteBuffer(bytes: [0x61, 0xFF, 0x62])),
        ]
    )

    @Test func looksUpTheFirstMatch() {
        #expect(self.head.parameter("REQUEST_METHOD") == "GET")
        #expect(self.head.parameter("HTTP_X") == "first")
    }

    @Test func missingOrDifferentlyCasedNamesAreNil() {
        #expect(self.head.parameter("QUERY_STRING") == nil)
        #expect(self.head.parameter("request_method") == nil)
        #expect(self.head.parameter("REQUEST") == nil)
    }

    @Test func valuesAreRawBytesAndDecodedLeniently() {
        #expect(self.head.parameterValue("RAW") == ByteBuffer(bytes: [0x61, 0xFF, 0x62]))
        #expect(self.head.parameter("RAW") == "a\u{FFFD}b")
    }
}
