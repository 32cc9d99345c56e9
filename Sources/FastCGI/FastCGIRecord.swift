// TEMPORARY interface stand-in so the engine compiles before the protocol branch is merged.
import NIOCore

public struct FastCGIParameter: Sendable, Hashable {
    public var name: ByteBuffer
    public var value: ByteBuffer
    public init(name: ByteBuffer, value: ByteBuffer) { self.name = name; self.value = value }
}
public struct FastCGIRequestHead: Sendable, Hashable {
    public var requestID: UInt16
    public var keepConnection: Bool
    public var parameters: [FastCGIParameter]
}
public enum FastCGIRequestPart: Sendable, Hashable {
    case head(FastCGIRequestHead)
    case body(requestID: UInt16, ByteBuffer)
    case end(requestID: UInt16)
    case abort(requestID: UInt16)
}
public enum FastCGIResponsePart: Sendable, Hashable {
    case stdout(requestID: UInt16, ByteBuffer)
    case stderr(requestID: UInt16, ByteBuffer)
    case end(requestID: UInt16, appStatus: UInt32)
}
public struct FastCGIServerConfiguration: Sendable {
    public var maxConnections: Int
    public var maxRequests: Int
    public init(maxConnections: Int, maxRequests: Int) { self.maxConnections = maxConnections; self.maxRequests = maxRequests }
}
extension ChannelPipeline.SynchronousOperations {
    public func addFastCGIServerHandlers(configuration: FastCGIServerConfiguration) throws { fatalError() }
}
