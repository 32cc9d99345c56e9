import NIOCore
import Testing

@testable import luafcgid_load

@Suite struct CGIStatusScannerTests {
    private func status(_ parts: String...) -> Int {
        var scanner = CGIStatusScanner()
        for part in parts {
            scanner.scan(ByteBuffer(string: part))
        }
        return scanner.status
    }

    @Test func withoutAStatusHeaderItIs200() {
        #expect(self.status("Content-Type: text/plain\r\n\r\nhello") == 200)
        #expect(self.status("") == 200)
    }

    @Test func readsTheStatusHeader() {
        #expect(self.status("Content-Type: text/html\r\nStatus: 404 Not Found\r\n\r\n") == 404)
        #expect(self.status("Status: 302\r\nLocation: /\r\n\r\n") == 302)
        #expect(self.status("Status: 200 OK\r\n\r\n") == 200)
    }

    @Test func matchesTheNameInAnyCaseAndLFOnlyLines() {
        #expect(self.status("status: 500\n\n") == 500)
        #expect(self.status("STATUS:\t503 Busy\nX: y\n\nbody") == 503)
    }

    @Test func ignoresOtherHeadersAndTheBody() {
        #expect(self.status("X-Status: 500\r\nStatusline: 500\r\n\r\n") == 200)
        #expect(self.status("Content-Type: text/plain\r\n\r\nStatus: 500\r\n") == 200)
        #expect(self.status("\r\nStatus: 500\r\n") == 200)
    }

    @Test func aMalformedStatusIsNot2xx() {
        #expect(self.status("Status: OK\r\n\r\n") == 0)
        #expect(self.status("Status: 20\r\n\r\n") == 0)
    }

    @Test func findsTheStatusWhereverTheStreamIsSplit() {
        let text = "Content-Type: text/plain\r\nStatus: 418 Teapot\r\n\r\nStatus: 200\r\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var scanner = CGIStatusScanner()
            scanner.scan(ByteBuffer(bytes: bytes[..<split]))
            scanner.scan(ByteBuffer(bytes: bytes[split...]))
            #expect(scanner.status == 418, "split at \(split)")
        }
        var byteByByte = CGIStatusScanner()
        for byte in bytes {
            byteByByte.scan(ByteBuffer(bytes: [byte]))
        }
        #expect(byteByByte.status == 418)
    }
}
