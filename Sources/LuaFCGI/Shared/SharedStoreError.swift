/// Why a shared store operation did not happen: an outcome the Lua caller gets as
/// `nil, description`, not an error raised.
enum SharedStoreError: Error, Equatable, CustomStringConvertible {
    /// The entry alone is larger than the store's whole capacity.
    case tooLarge(bytes: Int, capacity: Int)
    /// `incr` on an absent key without an initial value.
    case notFound
    /// `incr` on a value that is not a number.
    case notANumber
    /// `incr` would leave the 64-bit integer range.
    case overflow

    var description: String {
        switch self {
        case .tooLarge(let bytes, let capacity): "too large (\(bytes) bytes; the store holds \(capacity))"
        case .notFound: "not found"
        case .notANumber: "not a number"
        case .overflow: "integer overflow"
        }
    }
}
