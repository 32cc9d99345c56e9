import Foundation
import Testing
@testable import LuaFCGI

@Suite struct ScriptResolverTests {
    let directory: ScriptDirectory
    let resolver = ScriptResolver(extensions: [".lua"], roots: [])

    init() throws {
        directory = try ScriptDirectory()
    }

    private func resolve(_ path: String, with resolver: ScriptResolver? = nil) -> ScriptResolver.Resolution {
        var parameters = RequestParameters()
        parameters.append(name: "SCRIPT_FILENAME", value: path)
        return (resolver ?? self.resolver).resolve(parameters)
    }

    /// The refusal, or nil when the script would run.
    private func refusal(_ path: String, with resolver: ScriptResolver? = nil) -> ScriptRefusal? {
        if case .refused(let refusal) = resolve(path, with: resolver) { refusal } else { nil }
    }

    private func makeFIFO(_ name: String) throws -> String {
        let path = directory.path + "/" + name
        guard mkfifo(path, 0o644) == 0 else { throw FileSystemUserError("mkfifo: \(String(cString: strerror(errno)))") }
        return path
    }

    @Test func aRegularScriptResolvesWithItsSignature() throws {
        let path = try directory.write("ok.lua", "")
        guard case .script(let resolved, let signature) = resolve(path) else {
            Issue.record("not resolved")
            return
        }
        #expect(resolved == path)
        #expect(signature.kind == .regular)
        #expect(signature == FileSignature(path: path))
    }

    /// Swift hands a String to C as a NUL-terminated copy, so without the check
    /// `stat` saw `secret.txt`, `extensions` saw `.lua`, and the text file ran.
    @Test func aNULInTheScriptPathIs404NotTheFileBeforeIt() throws {
        let secret = try directory.write("secret.txt", "function main() end")
        #expect(FileSignature(path: secret + "\0.lua") != nil, "C sees the path up to the NUL: the check must come first")
        let refused = refusal(secret + "\0.lua")
        #expect(refused?.status == .notFound)
        #expect(refused?.reason == "\(secret)\\0.lua: the script path contains a NUL byte")

        var parameters = RequestParameters()
        parameters.append(name: "DOCUMENT_ROOT", value: directory.path)
        parameters.append(name: "SCRIPT_NAME", value: "/secret.txt\0.lua")
        #expect(resolver.resolve(parameters) == .refused(refused!))
    }

    @Test func aDotDotSegmentIs403EvenWhenTheFileExists() throws {
        try directory.write("x.lua", "")
        try directory.write("sub/y.lua", "")
        #expect(refusal(directory.path + "/sub/../x.lua")?.status == .forbidden)
        var parameters = RequestParameters()
        parameters.append(name: "DOCUMENT_ROOT", value: directory.path + "/sub")
        parameters.append(name: "SCRIPT_NAME", value: "/../x.lua")
        guard case .refused(let refused) = resolver.resolve(parameters) else {
            Issue.record("resolved")
            return
        }
        #expect(refused.status == .forbidden)
        #expect(refused.reason.contains("/sub/../x.lua: the path has a `..` segment"))
    }

    @Test func overLongPathsAre404() {
        let long = directory.path + "/" + String(repeating: "a/", count: 3000) + "x.lua"
        #expect(refusal(long)?.reason.contains("the path is too long (") == true)
        #expect(refusal(long)?.status == .notFound)
        let longName = directory.path + "/" + String(repeating: "n", count: 300) + ".lua"
        #expect(refusal(longName)?.reason.contains("NAME_MAX is 255") == true)
        #expect(refusal(longName)?.status == .notFound)
    }

    @Test func aMissingFileOrAFileUsedAsADirectoryIs404NoSuchFile() throws {
        let file = try directory.write("file.lua", "")
        #expect(refusal(directory.path + "/missing.lua") == .notFound(directory.path + "/missing.lua", "no such file"))
        #expect(refusal(file + "/x.lua") == .notFound(file + "/x.lua", "no such file"))
    }

    @Test func aSymlinkLoopIs404TooManySymlinks() throws {
        let a = directory.path + "/a.lua", b = directory.path + "/b.lua"
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        #expect(refusal(a) == .notFound(a, "too many symlinks"))
    }

    @Test func aDirectoryFIFOOrDeviceNamedLikeAScriptIs404NotARegularFile() throws {
        let dir = directory.path + "/dir.lua"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let fifo = try makeFIFO("fifo.lua")
        let device = directory.path + "/null.lua"
        try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/null")
        #expect(refusal(dir) == .notFound(dir, "not a regular file (a directory)"))
        #expect(refusal(fifo) == .notFound(fifo, "not a regular file (a FIFO)"))
        #expect(refusal(device) == .notFound(device, "not a regular file (a character device)"))
    }

    @Test func aSymlinkInsideARootPointingOutsideIs403() throws {
        let root = directory.path + "/www"
        let outside = try directory.write("outside/x.lua", "")
        let inside = try directory.write("www/inside.lua", "")
        try FileManager.default.createSymbolicLink(atPath: root + "/link.lua", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: root + "/alias.lua", withDestinationPath: inside)
        let rooted = ScriptResolver(extensions: [".lua"], roots: [root])
        #expect(rooted.warnings.isEmpty)
        let refused = refusal(root + "/link.lua", with: rooted)
        #expect(refused?.status == .forbidden)
        #expect(refused?.reason.contains("link.lua: outside the allowed roots (it resolves to \(outside))") == true)
        #expect(refusal(inside, with: rooted) == nil)
        #expect(refusal(root + "/alias.lua", with: rooted) == nil)
        #expect(refusal(outside, with: rooted)?.status == .forbidden)
    }

    @Test func aRootGivenThroughASymlinkIsComparedAsItsRealPath() throws {
        let script = try directory.write("real/x.lua", "")
        let link = directory.path + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory.path + "/real")
        let rooted = ScriptResolver(extensions: [".lua"], roots: [link])
        #expect(refusal(script, with: rooted) == nil)
        #expect(refusal(link + "/x.lua", with: rooted) == nil)
    }

    @Test func aRootThatDoesNotExistGivesAWarningAndIsComparedAsWritten() throws {
        let root = directory.path + "/later"
        let rooted = ScriptResolver(extensions: [".lua"], roots: [root])
        #expect(rooted.warnings == ["roots: \(root) cannot be resolved (No such file or directory); scripts are compared with it as written"])
        let script = try directory.write("later/x.lua", "")
        #expect(refusal(script, with: rooted) == nil, "once it exists, scripts under it run")
    }

    /// EACCES from `stat`: a directory on the way that the server may not search.
    @Test func aDirectoryTheServerCannotSearchIs403() async throws {
        let script = try directory.write("private/x.lua", "")
        #expect(chmod(directory.path + "/private", 0o700) == 0)
        let refused = try await asFileSystemUser(65534) { [resolver] in
            var parameters = RequestParameters()
            parameters.append(name: "SCRIPT_FILENAME", value: script)
            return resolver.resolve(parameters)
        }
        guard case .refused(let refusal) = refused else {
            Issue.record("resolved")
            return
        }
        #expect(refusal.status == .forbidden)
        #expect(refusal.reason.hasPrefix("\(script): stat: permission denied (the server runs as uid "))
    }

    @Test func otherSystemCallFailuresAre500WithTheirMessage() {
        let refusal = ScriptRefusal.systemCall("stat", failedWith: EIO, path: "/srv/x.lua")
        #expect(refusal == .failed("/srv/x.lua", "stat: Input/output error"))
        #expect(refusal.logLevel == .error)
        #expect(refusal.description == "500: /srv/x.lua: stat: Input/output error")
    }
}
