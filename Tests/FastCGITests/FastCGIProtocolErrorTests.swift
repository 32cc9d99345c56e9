import Testing

@testable import FastCGI

@Suite struct FastCGIProtocolErrorTests {
    @Test func messagesNameTheLayerAndTheBadValue() {
        let cases: [(FastCGIProtocolError, String)] = [
            (.unsupportedVersion(2), "FastCGI: unsupported protocol version 2"),
            (.unknownRecordType(FastCGIRecordType(rawValue: 42), requestID: 1), "FastCGI: unknown record type 42 for request 1"),
            (.unexpectedRecordType(.stdout, requestID: 3), "FastCGI: unexpected STDOUT record for request 3"),
            (.outOfOrderRecord(.stdin, requestID: 3), "FastCGI: STDIN record out of order for request 3"),
            (
                .invalidContentLength(.beginRequest, requestID: 5, length: 7),
                "FastCGI: BEGIN_REQUEST record for request 5 has invalid content length 7"
            ),
            (.duplicateRequestID(9), "FastCGI: BEGIN_REQUEST for request 9, which is already active"),
            (.parametersTooLarge(bytes: 1_048_577, limit: 1_048_576), "FastCGI: request parameters of 1048577 bytes exceed the limit of 1048576"),
            (.truncatedNameValuePair(bytes: 3), "FastCGI: name-value stream ends inside a pair (3 bytes left over)"),
        ]
        for (error, message) in cases {
            #expect(error.description == message)
            #expect("\(error)" == message)
        }
    }
}
