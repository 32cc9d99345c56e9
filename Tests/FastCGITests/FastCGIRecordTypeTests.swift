import Testing

@testable import FastCGI

@Suite struct FastCGIRecordTypeTests {
    @Test func knownTypesHaveTheSpecValues() {
        let types: [FastCGIRecordType] = [
            .beginRequest, .abortRequest, .endRequest, .params, .stdin, .stdout,
            .stderr, .data, .getValues, .getValuesResult, .unknownType,
        ]
        #expect(types.map(\.rawValue) == Array(1...11))
        #expect(types.allSatisfy { $0.isKnown })
    }

    @Test func anyByteIsRepresentable() {
        let type = FastCGIRecordType(rawValue: 42)
        #expect(!type.isKnown)
        #expect(!FastCGIRecordType(rawValue: 0).isKnown)
        #expect(type.description == "42")
        #expect(FastCGIRecordType.stdin.description == "STDIN")
    }
}
