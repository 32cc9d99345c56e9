import FastCGI
import NIOCore

/// The CGI parameters of one request (`env` in Lua), raw bytes in arrival order.
///
/// FastCGI delivers them as bytes with no encoding promised; they stay bytes
/// until Lua gets them, so nothing is lost. Lookups by name are linear: a
/// request has a few dozen parameters and the engine asks for a handful.
public struct RequestParameters: Sendable {
    public private(set) var pairs: [FastCGIParameter]

    public init(_ pairs: [FastCGIParameter] = []) {
        self.pairs = pairs
    }

    /// Adds a parameter; an existing one of the same name is kept (the first wins on lookup).
    public mutating func append(name: String, value: String) {
        pairs.append(FastCGIParameter(name: ByteBuffer(string: name), value: ByteBuffer(string: value)))
    }

    /// The value of the first parameter called `name`, as UTF-8 text.
    public subscript(name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            for pair in pairs where pair.name.readableBytes == wanted.count {
                let matches = pair.name.withUnsafeReadableBytes { $0.elementsEqual(wanted) }
                if matches { return String(buffer: pair.value) }
            }
            return nil
        }
    }
}
