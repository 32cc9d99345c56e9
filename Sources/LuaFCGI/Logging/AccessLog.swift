#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `accesslog` file (SPEC §2): one line per request, written with one
/// `write(2)` (`LogDestination`), so lines of many workers never interleave.
///
/// ```
/// 2026-12-02T17:00:00.123Z GET /srv/www/hello.lua 200 12 0.850
/// time (UTC, ms)           method script-or-path  status bytes duration-ms
/// ```
///
/// Six fields separated by single spaces, none of them ever empty or holding a
/// space: `awk '{print $4}'` is the status, `sort` orders by time. The time is
/// when the answer ended, ISO 8601 in UTC with milliseconds; the script is the
/// file that ran (SCRIPT_FILENAME as resolved), or the request path when none
/// did (a 404, the status page); the method or a path that is missing is `-`;
/// bytes count the response body; the duration is milliseconds from the
/// request's arrival to the end of its answer, three decimals. A request the
/// client left before its answer has status 499, as in nginx's log. Spaces,
/// control characters and `%` in a field are written `%XX`.
///
/// Created by `Server`, which outlives a reload; `reopen()` (SIGUSR1, for
/// logrotate) lets a rotated file go.
public final class AccessLog: Sendable {
    private let destination: LogDestination

    /// Opens (creating if needed) the file at `path` for appending.
    public init(path: String) throws(LogFileError) {
        destination = try LogDestination.file(path)
    }

    /// Closes and opens the file again.
    public func reopen() throws(LogFileError) {
        try destination.reopen()
    }

    func write(method: String?, target: String?, status: Int, bytes: Int, duration: Duration) {
        destination.write(Self.line(
            time: Self.now(), method: method, target: target, status: status, bytes: bytes, duration: duration))
    }

    /// The line for one request, newline included.
    static func line(
        time: (seconds: Int, milliseconds: Int), method: String?, target: String?, status: Int, bytes: Int, duration: Duration
    ) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = micros % 1000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(timestamp(time)) \(field(method)) \(field(target)) \(status) \(bytes) \(micros / 1000).\(padded)\n"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static func timestamp(_ time: (seconds: Int, milliseconds: Int)) -> String {
        var seconds = time_t(time.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(time.milliseconds), 3))Z"
    }

    /// `text` with spaces, control characters, DEL and `%` as `%XX`; `-` when absent or empty.
    static func field(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        guard text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "%") }) else { return text }
        var bytes: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "%") {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The wall clock now: seconds since 1970 and milliseconds.
    private static func now() -> (seconds: Int, milliseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int(spec.tv_sec), Int(spec.tv_nsec) / 1_000_000)
    }
}
