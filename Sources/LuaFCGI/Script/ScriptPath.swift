#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks on a script path's text, made before the file system sees it, and
/// the path as log lines show it (SPEC §3.1).
enum ScriptPath {
    /// Bytes of a path a log line shows; the rest is counted, not shown.
    static let loggedPrefix = 200

    /// Why `path` is refused on its text alone, or nil.
    ///
    /// - A NUL byte: the C calls would stop at it, so `/srv/x.txt\0.lua` would
    ///   pass the `extensions` check and then run `/srv/x.txt`. 404.
    /// - A `..` segment: a web server sends normalized paths (nginx resolves `..`
    ///   in the URI before it builds `SCRIPT_FILENAME`), so one is a traversal
    ///   attempt or a misconfiguration; `roots` would catch the first, but a
    ///   misconfiguration is better seen at once. 403.
    /// - Longer than `PATH_MAX` (with its NUL) or a component longer than
    ///   `NAME_MAX`: no such file can exist (`ENAMETOOLONG`). 404.
    static func refusal(for path: String) -> ScriptRefusal? {
        let bytes = path.utf8
        if bytes.contains(0) {
            return .notFound(path, "the script path contains a NUL byte")
        }
        let segments = bytes.split(separator: UInt8(ascii: "/"))
        if segments.contains(where: { $0.elementsEqual("..".utf8) }) {
            return .forbidden(
                path, "the path has a `..` segment (a web server sends normalized paths: a traversal attempt or a misconfiguration)")
        }
        if bytes.count >= Int(PATH_MAX) {
            return .notFound(path, "the path is too long (\(bytes.count) bytes; PATH_MAX is \(PATH_MAX) with the NUL)")
        }
        if let component = segments.first(where: { $0.count > Int(NAME_MAX) }) {
            return .notFound(path, "the path is too long (a component of \(component.count) bytes; NAME_MAX is \(NAME_MAX))")
        }
        return nil
    }

    /// `path` for a log line: control characters escaped (a NUL as `\0`), and past
    /// `loggedPrefix` bytes cut, with the length given: `/srv/aaaa… (100000 bytes)`.
    static func logged(_ path: String) -> String {
        let count = path.utf8.count
        let shown = count > loggedPrefix ? String(decoding: path.utf8.prefix(loggedPrefix), as: UTF8.self) : path
        var text = ""
        for scalar in shown.unicodeScalars {
            switch scalar.value {
            case 0:
                text += "\\0"
            case 0..<0x20, 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                text += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        return count > loggedPrefix ? text + "… (\(count) bytes)" : text
    }
}
