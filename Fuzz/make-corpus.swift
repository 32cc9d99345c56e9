// Writes the seed corpus under Fuzz/Corpus/<target>/: `swift Fuzz/make-corpus.swift`
// from the repository root. The bytes are built by hand, not with the module under
// test, like the unit tests' fixtures. Files of the same name are overwritten; others
// (the crashing inputs kept as regressions) are left alone.
import Foundation

/// One record: header (version 1), content, then `padding` bytes of 0xEE (FastCGI 1.0 §3.3).
func record(_ type: UInt8, _ id: UInt16, _ content: [UInt8] = [], padding: UInt8 = 0, version: UInt8 = 1) -> [UInt8] {
    [version, type, UInt8(id >> 8), UInt8(id & 0xFF), UInt8(content.count >> 8), UInt8(content.count & 0xFF), padding, 0]
        + content + [UInt8](repeating: 0xEE, count: Int(padding))
}

func begin(_ id: UInt16, role: UInt16 = 1, keep: Bool = true) -> [UInt8] {
    record(1, id, [UInt8(role >> 8), UInt8(role & 0xFF), keep ? 1 : 0, 0, 0, 0, 0, 0])
}

/// A name-value length: one byte below 128, else four with the top bit set (§3.4); `long` forces four.
func length(_ count: Int, long: Bool = false) -> [UInt8] {
    guard count >= 128 || long else { return [UInt8(count)] }
    return [UInt8(count >> 24) | 0x80, UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)]
}

func pairs(_ list: [(String, String)], long: Bool = false) -> [UInt8] {
    list.flatMap { length($0.0.utf8.count, long: long) + length($0.1.utf8.count, long: long) + Array($0.0.utf8) + Array($0.1.utf8) }
}

func params(_ id: UInt16, _ list: [(String, String)]) -> [UInt8] {
    record(4, id, pairs(list)) + record(4, id)
}

func stdin(_ id: UInt16, _ body: String) -> [UInt8] {
    (body.isEmpty ? [] : record(5, id, Array(body.utf8))) + record(5, id)
}

let get: [(String, String)] = [
    ("SCRIPT_FILENAME", "/www/hello.lua"), ("REQUEST_METHOD", "GET"), ("QUERY_STRING", "name=Lua&x=1"),
    ("SERVER_PROTOCOL", "HTTP/1.1"), ("HTTP_HOST", "localhost"),
]
let post: [(String, String)] = [
    ("SCRIPT_FILENAME", "/www/dumpenv.lua"), ("REQUEST_METHOD", "POST"),
    ("CONTENT_TYPE", "application/x-www-form-urlencoded"), ("CONTENT_LENGTH", "15"),
]
let longValue = String(repeating: "c", count: 200)
let managementNames: [(String, String)] = [
    ("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", ""), ("FCGI_UNHEARD_OF", ""), ("FCGI_MAX_REQS", ""),
]

/// Web server streams, for the record decoder and the connection.
let streams: [String: [UInt8]] = [
    "get": begin(1, keep: false) + params(1, get) + stdin(1, ""),
    "post-with-stdin": begin(1) + params(1, post) + record(5, 1, Array("a=1&b=two".utf8)) + stdin(1, "+words"),
    "keep-alive-two-requests": begin(1) + params(1, get) + stdin(1, "") + begin(1) + params(1, post) + stdin(1, "a=1"),
    "get-values": record(9, 0, pairs(managementNames)),
    "get-values-truncated": record(9, 0, Array(pairs(managementNames).dropLast(3))),
    "unknown-management-type": record(42, 0, [1, 2, 3]) + record(1, 0, [0, 1, 0, 0, 0, 0, 0, 0]),
    "abort-after-head": begin(3) + params(3, get) + record(5, 3, Array("part".utf8)) + record(2, 3) + stdin(3, "late"),
    "abort-before-head": begin(4, keep: false) + record(4, 4, pairs(get)) + record(2, 4),
    "multiplexed": begin(1) + begin(2) + record(4, 2, pairs([("R", "2")])) + record(4, 1, pairs(get)) + record(4, 1)
        + record(4, 2) + record(5, 2, [0x78]) + record(5, 1) + record(5, 2) + begin(0xFFFF) + params(0xFFFF, post),
    "four-byte-lengths": begin(1) + record(4, 1, pairs([("HTTP_COOKIE", longValue)]) + pairs([("A", "b")], long: true))
        + record(4, 1) + stdin(1, ""),
    "params-split-mid-pair": begin(1) + record(4, 1, Array(pairs(get).prefix(9))) + record(4, 1, Array(pairs(get).dropFirst(9)))
        + record(4, 1) + stdin(1, ""),
    "params-truncated": begin(1) + record(4, 1, [3, 3, 0x41]) + record(4, 1),
    "padding": record(1, 1, [0, 1, 1, 0, 0, 0, 0, 0], padding: 7) + record(4, 1, pairs(get), padding: 255)
        + record(4, 1, padding: 1) + record(5, 1, [1, 2, 3], padding: 5) + record(5, 1, padding: 8),
    "other-roles": begin(5, role: 2) + begin(6, role: 3) + begin(7, role: 77, keep: false),
    "too-many-requests": (1...10).flatMap { begin(UInt16($0)) },
    "duplicate-begin": begin(1) + params(1, get) + begin(1),
    "out-of-order": begin(1) + record(5, 1, [0x61]) + record(8, 1, [0x64]),
    "application-only-types": begin(1) + params(1, get) + record(6, 1, [0x6F]) + record(12, 1),
    "begin-wrong-length": record(1, 1, [0, 1, 1, 0, 0, 0, 0]),
    "bad-version": begin(1) + record(5, 1, version: 2),
    "http-on-fastcgi-port": Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
    "cut-off": begin(1) + Array(record(4, 1, pairs(get)).dropLast(5)),
]

/// Name-value streams: control bytes (limit, split) and the stream, for the name-value target.
let nameValueStreams: [String: [UInt8]] = [
    "cgi-params": [255, 0] + pairs(get + post),
    "cgi-params-split": [255, 3] + pairs(get),
    "four-byte-lengths": [255, 7] + pairs([("HTTP_COOKIE", longValue)]),
    "non-canonical-lengths": [255, 0] + pairs([("A", "b"), ("", "")], long: true),
    "empty-names-and-values": [255, 1] + pairs([("", ""), ("X", ""), ("", "y")]),
    "get-values-query": [255, 0] + pairs(managementNames),
    "truncated-pair": [255, 2] + Array(pairs(get).dropLast(4)),
    "truncated-length": [255, 0, 0x80, 0, 1],
    "over-the-limit": [2, 5] + pairs([("SHORT", "ok"), ("LONG", longValue)]),
    "huge-declared-lengths": [255, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
    "zero-limit": [0, 0] + pairs([("", ""), ("A", "")]),
]

let root = URL(fileURLWithPath: "Fuzz/Corpus")
func write(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
    let folder = root.appendingPathComponent(target)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(bytes).write(to: folder.appendingPathComponent(name))
}

// Control bytes: the record decoder takes one (split), the connection three (split,
// application, limits); each seed gets its own so the corpus starts varied.
let splits: [UInt8] = [0, 1, 3, 8, 64]
let applications: [UInt8] = [0x00, 0x06, 0x01, 0x4E, 0x30, 0x87]
let limits: [UInt8] = [0x07, 0x01, 0x0F, 0x00]
for (index, (name, stream)) in streams.sorted(by: { $0.key < $1.key }).enumerated() {
    try write("FuzzRecordDecoder", name, [splits[index % splits.count]] + stream)
    let control = [splits[(index + 2) % splits.count], applications[index % applications.count], limits[index % limits.count]]
    try write("FuzzConnectionStateMachine", name, control + stream)
}
for (name, stream) in nameValueStreams {
    try write("FuzzNameValuePair", name, stream)
}
