import NIOCore
@testable import LuaFCGI

extension Request {
    /// The whole body of a request whose body is already in (the HTTP front's): read to its end.
    var wholeBody: ByteBuffer {
        var whole = ByteBuffer()
        while var piece = try? body.read(upTo: Int.max) { whole.writeBuffer(&piece) }
        return whole
    }
}
