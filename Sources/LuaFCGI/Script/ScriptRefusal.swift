#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Why a request's script is not run, and what the request gets instead (SPEC §3.1).
///
/// The page shows the status and the request path only; `reason` — the script
/// path as `ScriptPath.logged` shows it, then why — is for the log. Found by the
/// resolver (the path, `stat`, `extensions`, `roots`) or while reading the file
/// for a new state (`ScriptSource`).
struct ScriptRefusal: Error, Hashable, CustomStringConvertible {
    let status: ResponseStatus
    let reason: String

    init(_ status: ResponseStatus, reason: String) {
        self.status = status
        self.reason = reason
    }

    /// 404: there is no script to run at `path`.
    static func notFound(_ path: String, _ why: String) -> Self {
        Self(.notFound, reason: "\(ScriptPath.logged(path)): \(why)")
    }

    /// 403: there is a file, but it may not run.
    static func forbidden(_ path: String, _ why: String) -> Self {
        Self(.forbidden, reason: "\(ScriptPath.logged(path)): \(why)")
    }

    /// 500: the server failed to look at the file.
    static func failed(_ path: String, _ why: String) -> Self {
        Self(.internalServerError, reason: "\(ScriptPath.logged(path)): \(why)")
    }

    /// What `call` (`stat` or `open`) failing on `path` with `error` (an errno) answers:
    /// a file that is not there, or cannot be reached for a reason of the path, is 404;
    /// a permission the server lacks is 403; anything else is the server's failure, 500.
    static func systemCall(_ call: String, failedWith error: Int32, path: String) -> Self {
        switch error {
        case ENOENT, ENOTDIR: .notFound(path, "no such file")
        case ELOOP: .notFound(path, "too many symlinks")
        case ENAMETOOLONG: .notFound(path, "the path is too long")
        case EACCES, EPERM: .forbidden(path, "\(call): permission denied (the server runs as uid \(geteuid()))")
        default: .failed(path, "\(call): \(String(cString: strerror(error)))")
        }
    }

    /// A missing script is ordinary (info), a refused one worth a look (warning), a failure an error.
    var logLevel: Logger.Level {
        switch status.code {
        case 404: .info
        case 403: .warning
        default: .error
        }
    }

    /// The log line: `404: /srv/www/x.lua: no such file`.
    var description: String { "\(status.code): \(reason)" }
}
