import FastCGI
import FuzzSupport
import NIOCore

/// Fuzzes the name-value pair parser (FastCGI 1.0 §3.4) and the two readers built on it:
/// a request's PARAMS stream and a GET_VALUES query, both through the connection state
/// machine (the accumulator behind PARAMS is internal to the module).
///
/// Input: control byte 0 is the parameter limit (n × 16 bytes, 255 for none), byte 1
/// where the stream splits into PARAMS records (``ReadSplitter``), then the stream.
///
/// Checked against ``ReferenceNameValueStream``, a plain second parser:
/// - `readFastCGINameValuePair`, with the limit counted down as the accumulator does,
///   reads the same pairs, stops at the same byte, refuses the same oversized pair with
///   the same total, and leaves the reader index alone on nil and on the error.
/// - The pairs re-encoded parse back to themselves, with nothing left over; the encoding
///   is a fixed point, and is the very input when the input's lengths were canonical.
/// - PARAMS records, split anywhere, make the head with those pairs, or close with the
///   same error: the accumulator agrees with parsing the stream at once.
/// - GET_VALUES answers exactly the known names asked for, each once, in asking order,
///   or closes on a truncated query.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNameValuePair(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let limitByte = input.takeControlByte()
    let limit = limitByte == .max ? Int.max : Int(limitByte) * 16
    let splitter = ReadSplitter(seed: input.takeControlByte())
    let stream = input.payload
    let bytes = Array(stream.readableBytesView)
    let reference = ReferenceNameValueStream(parsing: bytes, limit: limit)

    checkParser(stream, limit: limit, against: reference)
    checkRoundTrip(reference, input: bytes)
    checkParamsRecords(splitter.split(stream), limit: limit, against: reference)
    checkGetValues(stream, against: ReferenceNameValueStream(parsing: bytes))
    return 0
}

func checkParser(_ stream: ByteBuffer, limit: Int, against reference: ReferenceNameValueStream) {
    var buffer = stream
    var pairs: [ReferenceNameValueStream.Pair] = []
    var total = 0
    var start = buffer.readerIndex
    do throws(FastCGIProtocolError) {
        while let (name, value) = try buffer.readFastCGINameValuePair(maximumLength: limit - total) {
            pairs.append(.init(name: Array(name.readableBytesView), value: Array(value.readableBytesView), isCanonical: true))
            total += name.readableBytes + value.readableBytes
            start = buffer.readerIndex
        }
        fuzzCheck(buffer.readerIndex == start, "nil moved the reader index from \(start) to \(buffer.readerIndex)")
        fuzzCheck(reference.tooLarge == nil, "parser accepted a stream the reference refuses at \(String(describing: reference.tooLarge))")
    } catch {
        fuzzCheck(buffer.readerIndex == start, "\(error) moved the reader index from \(start) to \(buffer.readerIndex)")
        guard case .parametersTooLarge(let bytes, let maximum) = error else {
            fuzzCheck(false, "parser threw \(error)")
            return
        }
        fuzzCheck(total + bytes == reference.tooLarge && maximum == limit - total, "parser refused \(bytes) of \(maximum), reference \(String(describing: reference.tooLarge))")
    }
    fuzzCheck(pairs.map(\.name) == reference.pairs.map(\.name) && pairs.map(\.value) == reference.pairs.map(\.value), "parser pairs \(pairs), reference \(reference.pairs)")
    fuzzCheck(start - stream.readerIndex == reference.consumed, "parser consumed \(start - stream.readerIndex), reference \(reference.consumed)")
}

func checkRoundTrip(_ reference: ReferenceNameValueStream, input: [UInt8]) {
    let encoded = encode(reference.pairs)
    let again = ReferenceNameValueStream(parsing: Array(encoded.readableBytesView))
    fuzzCheck(again.leftover == 0 && again.pairs.allSatisfy(\.isCanonical), "re-encoding is not canonical: \(again)")
    fuzzCheck(again.pairs.map(\.name) == reference.pairs.map(\.name) && again.pairs.map(\.value) == reference.pairs.map(\.value), "re-encoded pairs \(again.pairs), read \(reference.pairs)")
    fuzzCheck(encode(again.pairs) == encoded, "re-encoding is not a fixed point")
    if reference.pairs.allSatisfy(\.isCanonical) {
        fuzzCheck(Array(encoded.readableBytesView) == Array(input[..<reference.consumed]), "canonical input re-encoded differently")
    }
}

func encode(_ pairs: [ReferenceNameValueStream.Pair]) -> ByteBuffer {
    var buffer = ByteBuffer()
    for pair in pairs {
        buffer.writeFastCGINameValuePair(name: ByteBuffer(bytes: pair.name), value: ByteBuffer(bytes: pair.value))
    }
    return buffer
}

/// One request's PARAMS stream in records cut where the splitter says, then the empty record.
func checkParamsRecords(_ records: [ByteBuffer], limit: Int, against reference: ReferenceNameValueStream) {
    var machine = FastCGIConnectionStateMachine(configuration: FastCGIServerConfiguration(maxParameterBytes: limit))
    let begin = machine.receivedBeginRequest(requestID: 1, body: FastCGIBeginRequestBody(role: .responder, keepConnection: true))
    fuzzCheck(begin == .doNothing, "BEGIN_REQUEST: \(begin)")
    for content in records {
        let action = machine.receivedRecord(FastCGIRecord(type: .params, requestID: 1, content: content))
        guard action == .doNothing else {
            let expected = reference.tooLarge.map { FastCGIConnectionStateMachine.Action.close(.parametersTooLarge(bytes: $0, limit: limit)) }
            fuzzCheck(action == expected, "PARAMS: \(action), reference \(reference)")
            return
        }
    }
    fuzzCheck(reference.tooLarge == nil, "PARAMS accepted a stream the reference refuses at \(String(describing: reference.tooLarge))")
    let end = machine.receivedRecord(FastCGIRecord(type: .params, requestID: 1))
    let parameters = reference.pairs.map { FastCGIParameter(name: ByteBuffer(bytes: $0.name), value: ByteBuffer(bytes: $0.value)) }
    let expected: FastCGIConnectionStateMachine.Action =
        reference.leftover > 0
        ? .close(.truncatedNameValuePair(bytes: reference.leftover))
        : .forward(.head(FastCGIRequestHead(requestID: 1, keepConnection: true, parameters: parameters)))
    fuzzCheck(end == expected, "empty PARAMS: \(end), expected \(expected)")
}

func checkGetValues(_ query: ByteBuffer, against reference: ReferenceNameValueStream) {
    let configuration = FastCGIServerConfiguration(maxConnections: 7, maxRequests: 9)
    var machine = FastCGIConnectionStateMachine(configuration: configuration)
    let action = machine.receivedRecord(FastCGIRecord(type: .getValues, requestID: 0, content: query))
    guard reference.leftover == 0 else {
        fuzzCheck(action == .close(.truncatedNameValuePair(bytes: reference.leftover)), "GET_VALUES: \(action), reference \(reference)")
        return
    }
    let expected = FastCGIConnectionStateMachine.Action.send(
        [FastCGIRecord(type: .getValuesResult, requestID: 0, content: expectedGetValuesAnswer(to: reference.pairs, configuration: configuration))],
        thenClose: false
    )
    fuzzCheck(action == expected, "GET_VALUES: \(action), expected \(expected)")
}
