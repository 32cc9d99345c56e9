import NIOCore

/// One name-value pair of a request's PARAMS stream (FastCGI 1.0 §3.4, §5.2).
///
/// Both halves are raw bytes: CGI variables are usually ASCII, but a request
/// path or header may carry anything, and decoding is the application's call.
public struct FastCGIParameter: Sendable, Hashable {
    public var name: ByteBuffer
    public var value: ByteBuffer

    public init(name: ByteBuffer, value: ByteBuffer) {
        self.name = name
        self.value = value
    }

    /// A convenience for tests and callers that have strings at hand.
    public init(name: String, value: String) {
        self.name = ByteBuffer(string: name)
        self.value = ByteBuffer(string: value)
    }
}

extension FastCGIParameter: CustomStringConvertible {
    public var description: String {
        "\(String(buffer: self.name))=\(String(buffer: self.value))"
    }
}
