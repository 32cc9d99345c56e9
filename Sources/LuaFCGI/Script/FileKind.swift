#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What kind of file a path or descriptor is, from `st_mode`: only a regular
/// file is ever run (SPEC §3.1); the others are named in the log line that
/// refuses them. (`stat` and `fstat` follow symlinks, so a link never shows.)
enum FileKind: Hashable, Sendable, CustomStringConvertible {
    case regular
    case directory
    case fifo
    case socket
    case characterDevice
    case blockDevice
    case other

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        default: self = .other
        }
    }

    var description: String {
        switch self {
        case .regular: "a regular file"
        case .directory: "a directory"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .other: "a file of an unknown kind"
        }
    }
}
