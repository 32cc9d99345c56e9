#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the script a request names and decides whether it may run (SPEC §3.1).
///
/// The script is `SCRIPT_FILENAME`, else `DOCUMENT_ROOT` .. `SCRIPT_NAME`. It must
/// exist and be a regular file (else 404), end in one of `extensions` and, when
/// `roots` is set, resolve after symlinks inside one of them (else 403).
struct ScriptResolver: Sendable {
    /// The outcome: a script to run, or why not. `reason` is for the log only.
    enum Resolution: Equatable {
        case script(path: String, signature: FileSignature)
        case notFound(reason: String)
        case forbidden(reason: String)
    }

    let extensions: [String]
    /// Real paths of the allowed roots, each ending in "/".
    let roots: [String]

    init(extensions: [String], roots: [String]) {
        self.extensions = extensions
        self.roots = roots.map { root in
            let real = Self.realPath(root) ?? root
            return real.hasSuffix("/") ? real : real + "/"
        }
    }

    func resolve(_ parameters: RequestParameters) -> Resolution {
        let path: String
        if let filename = parameters["SCRIPT_FILENAME"], !filename.isEmpty {
            path = filename
        } else if let root = parameters["DOCUMENT_ROOT"], let name = parameters["SCRIPT_NAME"], !name.isEmpty {
            path = root.hasSuffix("/") && name.hasPrefix("/") ? root + name.dropFirst() : root + name
        } else {
            return .notFound(reason: "the request names no script (no SCRIPT_FILENAME, no DOCUMENT_ROOT and SCRIPT_NAME)")
        }
        guard let signature = FileSignature(path: path) else {
            return .notFound(reason: "\(path): no such file")
        }
        guard signature.isRegularFile else { return .notFound(reason: "\(path): not a regular file") }
        guard extensions.contains(where: { path.hasSuffix($0) }) else {
            return .forbidden(reason: "\(path): extension not allowed (extensions = \(extensions))")
        }
        if !roots.isEmpty {
            guard let real = Self.realPath(path), roots.contains(where: { real.hasPrefix($0) }) else {
                return .forbidden(reason: "\(path): outside the allowed roots")
            }
        }
        return .script(path: path, signature: signature)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
