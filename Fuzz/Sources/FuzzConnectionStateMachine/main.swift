import FastCGI
import FuzzSupport

/// Fuzzes the connection state machine as a real connection feeds it: bytes → records →
/// events, with an application answering, against ``ConnectionModel``.
///
/// Input: control byte 0 is where the stream splits into reads (``ReadSplitter``), byte 1
/// the application's behaviour (``Application``), byte 2 the limits (``configuration(_:)``),
/// then the bytes a web server sends.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConnectionStateMachine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let splitter = ReadSplitter(seed: input.takeControlByte())
    let application = Application(behavior: input.takeControlByte())
    var driver = ConnectionDriver(configuration: configuration(input.takeControlByte()), application: application)
    driver.run(reads: splitter.split(input.payload))
    return 0
}

/// Bits 0–2: 1 to 8 requests per connection, small enough to reach. Bits 3–7: the
/// parameter limit in 64-byte steps (64 … 1984), or 0 for the default 1 MiB.
func configuration(_ byte: UInt8) -> FastCGIServerConfiguration {
    FastCGIServerConfiguration(
        maxConnections: 7,
        maxRequests: 9,
        maxRequestsPerConnection: Int(byte & 0x07) + 1,
        maxParameterBytes: byte >> 3 == 0 ? 1 << 20 : Int(byte >> 3) * 64
    )
}
