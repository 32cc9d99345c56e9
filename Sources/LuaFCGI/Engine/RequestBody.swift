import NIOCore
import NIOConcurrencyHelpers

/// A request body as the handler reads it (SPEC §4.2 `con:read`, `con:gets`).
///
/// The FastCGI front streams it: the handler starts once the params are in and
/// reads the body as it arrives. The HTTP front collects it first and hands
/// over a `CompleteRequestBody`. Read only by the worker running the request.
public protocol RequestBody: Sendable {
    /// Up to `maximum` more bytes, waiting for some to arrive; nil once the body ended.
    func read(upTo maximum: Int) throws(RequestBodyError) -> ByteBuffer?
    /// Whether the whole body arrived (nothing more will come), without waiting.
    var hasEnded: Bool { get }
}

/// Why the body could not be read on.
public enum RequestBodyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// More than `maxpost` bytes arrived (CONTENT_LENGTH absent or lying).
    case tooLarge(limit: Int)
    /// The client went away or aborted the request.
    case clientGone
    /// Nothing arrived for this long while the handler waited.
    case stalled(seconds: Int)

    public var description: String {
        switch self {
        case .tooLarge(let limit): "the request body is larger than maxpost = \(limit) bytes"
        case .clientGone: "the client went away"
        case .stalled(let seconds): "no request body arrived for \(seconds) s"
        }
    }
}

/// A body that arrived whole before the request was run.
public final class CompleteRequestBody: RequestBody {
    private let rest: NIOLockedValueBox<ByteBuffer>

    public init(_ bytes: ByteBuffer) {
        rest = .init(bytes)
    }

    public var hasEnded: Bool { true }

    public func read(upTo maximum: Int) -> ByteBuffer? {
        rest.withLockedValue { rest in
            guard rest.readableBytes > 0 else { return nil }
            return rest.readSlice(length: min(maximum, rest.readableBytes))
        }
    }
}
