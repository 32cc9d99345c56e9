#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the script a request names and decides whether it may run (SPEC §3.1).
///
/// The script is `SCRIPT_FILENAME`, else `DOCUMENT_ROOT` .. `SCRIPT_NAME`. Its
/// path must pass `ScriptPath.refusal` (no NUL, no `..` segment, not too long);
/// then it must exist and be a regular file (else 404, 403 when the server may
/// not look, 500 when `stat` fails otherwise), end in one of `extensions` and,
/// when `roots` is set, resolve after symlinks inside one of them (else 403).
/// Nothing here opens the file: a FIFO or a device is refused by its `stat`.
struct ScriptResolver: Sendable {
    /// The outcome: a script to run, or why not.
    enum Resolution: Equatable {
        case script(path: String, signature: FileSignature)
        case refused(ScriptRefusal)
    }

    let extensions: [String]
    /// Real paths of the allowed roots, each ending in "/".
    let roots: [String]
    /// One line for each root that could not be resolved at start-up, for the log.
    let warnings: [String]

    /// Resolves `roots` once: a root that does not exist (yet) is kept as written,
    /// so a script under it runs once it exists, if no symlink is on its way.
    init(extensions: [String], roots: [String]) {
        self.extensions = extensions
        var warnings: [String] = []
        self.roots = roots.map { root in
            let real: String
            switch Self.realPath(root) {
            case .success(let resolved):
                real = resolved
            case .failure(let error):
                warnings.append("roots: \(root) cannot be resolved (\(error)); scripts are compared with it as written")
                real = root
            }
            return real.hasSuffix("/") ? real : real + "/"
        }
        self.warnings = warnings
    }

    func resolve(_ parameters: RequestParameters) -> Resolution {
        let path: String
        if let filename = parameters["SCRIPT_FILENAME"], !filename.isEmpty {
            path = filename
        } else if let root = parameters["DOCUMENT_ROOT"], let name = parameters["SCRIPT_NAME"], !name.isEmpty {
            path = root.hasSuffix("/") && name.hasPrefix("/") ? root + name.dropFirst() : root + name
        } else {
            return .refused(
                ScriptRefusal(.notFound, reason: "the request names no script (no SCRIPT_FILENAME, no DOCUMENT_ROOT and SCRIPT_NAME)"))
        }
        if let refusal = ScriptPath.refusal(for: path) { return .refused(refusal) }
        var info = stat()
        guard stat(path, &info) == 0 else { return .refused(.systemCall("stat", failedWith: errno, path: path)) }
        let signature = FileSignature(info)
        guard signature.kind == .regular else { return .refused(.notFound(path, "not a regular file (\(signature.kind))")) }
        guard extensions.contains(where: { path.hasSuffix($0) }) else {
            return .refused(.forbidden(path, "extension not allowed (extensions = \(extensions))"))
        }
        if !roots.isEmpty {
            switch Self.realPath(path) {
            case .failure(let error):
                return .refused(.forbidden(path, "cannot be resolved to check roots (\(error))"))
            case .success(let real) where !roots.contains(where: { real.hasPrefix($0) }):
                return .refused(.forbidden(path, "outside the allowed roots (it resolves to \(ScriptPath.logged(real)))"))
            case .success:
                break
            }
        }
        return .script(path: path, signature: signature)
    }

    /// An errno, as an error; its description is `strerror`'s.
    private struct SystemError: Error, CustomStringConvertible {
        let number: Int32
        var description: String { String(cString: strerror(number)) }
    }

    private static func realPath(_ path: String) -> Result<String, SystemError> {
        guard let resolved = realpath(path, nil) else { return .failure(SystemError(number: errno)) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }
}
