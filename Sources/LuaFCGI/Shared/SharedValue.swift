/// A value of the shared store (SPEC §4.3): what a Lua script may keep there.
///
/// Integers and floats stay apart, so `3` comes back as an integer and `3.0` as a
/// float; strings are bytes (NUL bytes and any encoding kept).
enum SharedValue: Equatable, Sendable {
    case string([UInt8])
    case integer(Int)
    case float(Double)
    case boolean(Bool)

    /// The bytes the value counts for in the store's capacity.
    var byteCount: Int {
        switch self {
        case .string(let bytes): bytes.count
        case .integer, .float: 8
        case .boolean: 1
        }
    }
}
