import Foundation
import Testing

/// man/luafcgid.1 and man/luafcgid-config.5: groff formats them without a
/// single warning, and the config page documents every setting that
/// examples/config.lua lists.
@Suite("Man pages")
struct ManPageTests {
    private static let pages = ["man/luafcgid.1", "man/luafcgid-config.5"]

    @Test("groff -man -ww formats each page without a warning", arguments: pages)
    func formatsCleanly(page: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = LuafcgidBinary.packageRoot.appendingPathComponent(page).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(".TH "), "\(page) does not start with .TH")
        // -ww: every warning; -z: format, print nothing. groff-base (scripts/bootstrap).
        let (groff, status) = try await ChildProcess.run(
            name: "groff", executable: URL(fileURLWithPath: "/usr/bin/groff"),
            arguments: ["-man", "-Tutf8", "-ww", "-z", path], directory: directory.url)
        #expect(status == .exited(0), "\(groff.standardError)")
        #expect(groff.standardError.isEmpty, "groff on \(page):\n\(groff.standardError)")
    }

    @Test("luafcgid-config(5) has an entry for every setting of examples/config.lua, and pidfile")
    func configPageCoversEverySetting() throws {
        let page = try String(
            contentsOf: LuafcgidBinary.packageRoot.appendingPathComponent("man/luafcgid-config.5"), encoding: .utf8)
        let example = try String(
            contentsOf: LuafcgidBinary.examplesDirectory.appendingPathComponent("config.lua"), encoding: .utf8)
        // "-- name = default" (commented default) or "name = value" (set) at the start of a line.
        let settings = Set(example.split(separator: "\n").compactMap { line -> String? in
            let code = line.hasPrefix("-- ") ? line.dropFirst(3) : line[...]
            guard let equals = code.range(of: " = ") else { return nil }
            let name = code[..<equals.lowerBound]
            return name.allSatisfy({ $0.isLetter }) && !name.isEmpty ? String(name) : nil
        })
        #expect(settings.count >= 30, "found only \(settings.sorted()) in examples/config.lua")
        // Each entry is a tagged paragraph (.TP) whose tag line names the setting.
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        let tags = zip(lines, lines.dropFirst()).filter { $0.0 == ".TP" }.map { $0.1 }
        let tagWords = Set(tags.flatMap { $0.split(whereSeparator: { !$0.isLetter }).map(String.init) })
        for setting in settings.union(["pidfile"]) {
            #expect(tagWords.contains(setting), "luafcgid-config.5 has no entry for \(setting)")
        }
    }
}
