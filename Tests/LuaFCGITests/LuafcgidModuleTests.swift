import Lua
import Testing

@testable import LuaFCGI

/// A value of a table made by `parse`: one string, or the array of a repeated name.
enum Field: Equatable {
    case one(String)
    case many([String])
}

/// A state with the standard libraries and the module as the global `lf`;
/// `print` and `io.write` raise, so a function that prints fails.
private func makeState() throws -> LuaState {
    let state = try LuaState()
    state.openStandardLibraries()
    try state.loadString(LuafcgidModuleSource.source, chunkName: "=luafcgid")
    try state.call(arguments: 0, results: 1)
    state.setGlobal("lf")
    try state.run(
        "print = function() error('printed') end io.write = function() error('wrote') end",
        chunkName: "=setup")
    return state
}

/// Lua helpers for the round trips: `same(a, b)` compares deeply, telling
/// integers from floats, -0.0 from 0.0, and NaN equal to NaN.
private let sameSource = """
    function same(a, b)
      if type(a) ~= type(b) then return false end
      if type(a) == "number" then
        if math.type(a) ~= math.type(b) then return false end
        if a ~= a then return b ~= b end
        return a == b and (a ~= 0 or 1 / a == 1 / b)
      end
      if type(a) ~= "table" then return a == b end
      for k, v in next, a do if not same(v, rawget(b, k)) then return false end end
      for k in next, b do if rawget(a, k) == nil then return false end end
      return true
    end
    function roundtrip(v)
      local s = lf.serialize(v)
      return same(v, assert(load("return " .. s))()), s
    end
    """

extension LuaState {
    /// Runs `return <expression>` and returns its result as text.
    fileprivate func evaluate(_ expression: String) throws -> String? {
        try loadString("return \(expression)", chunkName: "=test")
        try call(arguments: 0, results: 1)
        defer { pop() }
        return type(at: -1) == .boolean ? String(boolean(at: -1)!) : string(at: -1)
    }

    /// Calls `lf.<name>(input)` on raw bytes and returns the result's bytes (nil if not a string).
    fileprivate func call(_ name: String, bytes input: [UInt8]) throws -> [UInt8]? {
        getGlobal("lf")
        rawGet(table: -1, key: name)
        input.withUnsafeBytes { push(bytes: $0) }
        try call(arguments: 1, results: 1)
        defer { pop(2) }
        return withStringBytes(at: -1) { Array($0) }
    }

    /// `lf.parse(input)` read back into Swift.
    fileprivate func parse(_ input: String?) throws -> [String: Field] {
        getGlobal("lf")
        rawGet(table: -1, key: "parse")
        if let input { push(input) } else { pushNil() }
        try call(arguments: 1, results: 1)
        defer { pop(2) }
        var fields: [String: Field] = [:]
        forEachPair(inTable: -1) {
            let name = string(at: -2)!
            if type(at: -1) == .string {
                fields[name] = .one(string(at: -1)!)
            } else {
                fields[name] = .many((1...rawLength(at: -1)).map { index in
                    rawGet(table: -1, index: index)
                    defer { pop() }
                    return string(at: -1)!
                })
            }
            return true
        }
        return fields
    }
}

@Suite struct LuafcgidModuleTests {
    // MARK: Loading

    @Test func chunkReturnsTheModuleTable() throws {
        let state = try makeState()
        #expect(try state.evaluate("type(lf)") == "table")
        for name in ["urlencode", "urldecode", "parse", "serialize"] {
            #expect(try state.evaluate("type(lf.\(name))") == "function", "\(name)")
        }
        #expect(state.top == 0)
    }

    @Test func loadsThroughPackagePreload() throws {
        let state = try LuaState()
        state.openStandardLibraries()
        state.getGlobal("package")
        state.rawGet(table: -1, key: "preload")
        try state.loadString(LuafcgidModuleSource.source, chunkName: "=luafcgid")
        state.rawSet(table: -2, key: "luafcgid")
        state.pop(2)
        #expect(try state.evaluate("require('luafcgid').urlencode('a b')") == "a+b")
        #expect(try state.evaluate("require('luafcgid') == require('luafcgid')") == "true")
    }

    // MARK: urlencode / urldecode

    @Test(arguments: [
        ("", ""),
        ("abcXYZ019", "abcXYZ019"),
        ("a b", "a+b"),
        ("a+b", "a%2Bb"),
        ("a b&c=d/é~", "a+b%26c%3Dd%2F%C3%A9%7E"),
        ("-_.!*'()", "%2D%5F%2E%21%2A%27%28%29"),
        ("100%", "100%25"),
    ])
    func urlencode(input: String, expected: String) throws {
        let state = try makeState()
        state.push(input)
        state.setGlobal("input")
        #expect(try state.evaluate("lf.urlencode(input)") == expected)
    }

    @Test func urlencodeEveryByte() throws {
        let state = try makeState()
        for byte in UInt8.min...UInt8.max {
            let expected: String
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                expected = String(UnicodeScalar(byte))
            case UInt8(ascii: " "):
                expected = "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                expected = "%" + (hex.count == 1 ? "0" + hex : hex)
            }
            #expect(try state.call("urlencode", bytes: [byte]) == Array(expected.utf8), "byte \(byte)")
        }
    }

    @Test func urlRoundTripOfAllBytes() throws {
        let state = try makeState()
        let all = Array(UInt8.min...UInt8.max)
        let encoded = try #require(try state.call("urlencode", bytes: all))
        #expect(encoded.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: " ") })
        #expect(try state.call("urldecode", bytes: encoded) == all)
        // Twice over, and reversed.
        let twice = try #require(try state.call("urlencode", bytes: encoded))
        #expect(try state.call("urldecode", bytes: try #require(try state.call("urldecode", bytes: twice))) == all)
        let reversed = Array(all.reversed())
        #expect(try state.call("urldecode", bytes: try #require(try state.call("urlencode", bytes: reversed))) == reversed)
    }

    @Test(arguments: [
        ("", ""),
        ("a+b", "a b"),
        ("%41%62+c", "Ab c"),
        ("%c3%A9", "é"),
        ("%2B+", "+ "),
        ("%252B", "%2B"),
        ("%zz%4%41+%2B%", "%zz%4A +%"),
        ("%", "%"),
        ("100%", "100%"),
        ("%%41", "%A"),
        ("plain", "plain"),
    ])
    func urldecode(input: String, expected: String) throws {
        let state = try makeState()
        state.push(input)
        state.setGlobal("input")
        #expect(try state.evaluate("lf.urldecode(input)") == expected)
    }

    @Test func urldecodeNulAndRawBytes() throws {
        let state = try makeState()
        #expect(try state.call("urldecode", bytes: Array("a%00b".utf8)) == [0x61, 0, 0x62])
        let raw: [UInt8] = [0, 1, 0x80, 0xFF, 0x7F]
        #expect(try state.call("urldecode", bytes: raw) == raw)
    }

    @Test func urlFunctionsOfNilAndNumbers() throws {
        let state = try makeState()
        #expect(try state.evaluate("lf.urlencode(nil) == nil and lf.urldecode(nil) == nil") == "true")
        #expect(try state.evaluate("lf.urlencode(1.5)") == "1%2E5")
        #expect(try state.evaluate("lf.urldecode(12)") == "12")
        #expect(try state.evaluate("select('#', lf.urlencode('a b'))") == "1")
        #expect(try state.evaluate("select('#', lf.urldecode('a+b'))") == "1")
    }

    // MARK: parse

    @Test(arguments: [
        ("a", ["a": Field.one("")]),
        ("a=", ["a": .one("")]),
        ("=b", ["": .one("b")]),
        ("a=b=c", ["a": .one("b=c")]),
        ("a=1&a=2&a=3", ["a": .many(["1", "2", "3"])]),
        ("a=1&b=2&a=3", ["a": .many(["1", "3"]), "b": .one("2")]),
        ("a&a=&a=x", ["a": .many(["", "", "x"])]),
        ("&&", [:]),
        ("", [:]),
        ("&a=1&&b=2&", ["a": .one("1"), "b": .one("2")]),
        ("x=1;y=2", ["x": .one("1"), "y": .one("2")]),
        ("%61%62=%31", ["ab": .one("1")]),
        ("a+b=c+d", ["a b": .one("c d")]),
        ("q=%26%3D%3B&r=a%2Bb", ["q": .one("&=;"), "r": .one("a+b")]),
        ("name=J%C3%BCrgen+M%C3%BCller", ["name": .one("Jürgen Müller")]),
        ("a=%zz", ["a": .one("%zz")]),
    ] as [(String, [String: Field])])
    func parse(input: String, expected: [String: Field]) throws {
        let state = try makeState()
        #expect(try state.parse(input) == expected)
        #expect(state.top == 0)
    }

    @Test func parseOfNil() throws {
        let state = try makeState()
        #expect(try state.parse(nil) == [:])
        #expect(try state.evaluate("type(lf.parse())") == "table")
        #expect(try state.evaluate("next(lf.parse())") == nil)
    }

    @Test func parseManyRepeats() throws {
        let state = try makeState()
        let input = (1...500).map { "v=\($0)" }.joined(separator: "&")
        #expect(try state.parse(input) == ["v": .many((1...500).map(String.init))])
    }

    // MARK: serialize

    @Test(arguments: [
        ("nil", "nil"),
        ("true", "true"),
        ("false", "false"),
        ("42", "42"),
        ("-7", "-7"),
        ("math.maxinteger", "9223372036854775807"),
        ("math.mininteger", "0x8000000000000000"),
        ("1.5", "1.5"),
        ("3.0", "3.0"),
        ("-0.0", "-0.0"),
        ("0.1", "0.1"),
        ("1e300", "1e+300"),
        ("2^53", "9007199254740992.0"),
        ("1/0", "1/0"),
        ("-1/0", "-1/0"),
        ("0/0", "0/0"),
        ("'plain'", #""plain""#),
        (#"'a"b\\c'"#, #""a\"b\\c""#),
        ("'line\\nnext'", #""line\nnext""#),
        ("'\\0\\1x\\0012'", #""\0\1x\0012""#),
        ("'\\r\\t'", #""\13\9""#),
        ("'é'", #""\195\169""#),
        ("{}", "{}"),
        ("{1, 2, 3}", "{1, 2, 3}"),
        ("{b = 1, a = 2, _c = 3}", "{_c = 3, a = 2, b = 1}"),
        ("{['end'] = 1, ['a b'] = 2, [''] = 3}", #"{[""] = 3, ["a b"] = 2, ["end"] = 1}"#),
        ("{1, 2, [4] = 4, x = {y = {}}}", "{1, 2, [4] = 4, x = {y = {}}}"),
        ("{[true] = 1, [false] = 0, [1.5] = 'f', [-1] = 'n', s = 's'}",
         #"{[false] = 0, [true] = 1, [-1] = "n", [1.5] = "f", s = "s"}"#),
        ("{[1/0] = 'inf', [2^63] = 'big'}", #"{[9.223372036854776e+18] = "big", [1/0] = "inf"}"#),
    ])
    func serializeLiteral(expression: String, expected: String) throws {
        let state = try makeState()
        #expect(try state.evaluate("lf.serialize(\(expression))") == expected)
    }

    @Test(arguments: [
        "nil", "true", "0", "-1", "math.maxinteger", "math.mininteger", "0.1", "-0.0", "0.0",
        "1/3", "math.pi", "1e300", "-1e-300", "5e-324", "2^53", "2^63", "1/0", "-1/0", "0/0",
        "''", "'\\0'", "'say \"hi\"\\n'", "\"it's\"", "'\\\\\\n\\r\\t\\0\\127\\255'",
        "{}", "{1, 2, {3, {4, {5}}}}", "{a = {b = {c = {}}}, [1] = false}",
        "{[1] = 1, [3] = 3, [-5] = 'm', [0] = 0, [1.25] = 'q'}",
        "{['with space'] = {'x\\0y'}, [true] = {n = 0/0}, f = -0.0, i = 3, r = 3.0}",
        "{{}, {{}}, {{{}}}}",
        "setmetatable({x = 1}, {__index = function() return 'meta' end, __pairs = error})",
    ])
    func serializeRoundTrip(expression: String) throws {
        let state = try makeState()
        try state.run(sameSource, chunkName: "=same")
        let literal = try state.evaluate("lf.serialize(\(expression))") ?? "?"
        #expect(try state.evaluate("roundtrip(\(expression))") == "true", "\(literal)")
    }

    @Test func serializeRoundTripOfEveryByte() throws {
        let state = try makeState()
        try state.run(sameSource, chunkName: "=same")
        let all = Array(UInt8.min...UInt8.max)
        all.withUnsafeBytes { state.push(bytes: $0) }
        state.setGlobal("all")
        #expect(try state.evaluate("roundtrip(all)") == "true")
        #expect(try state.evaluate("roundtrip({[all] = all, all})") == "true")
        for byte in all {
            [byte, UInt8(ascii: "7")].withUnsafeBytes { state.push(bytes: $0) }
            state.setGlobal("one")
            #expect(try state.evaluate("roundtrip(one)") == "true", "byte \(byte)")
        }
        // The literal is one line of printable ASCII.
        let literal = try #require(try state.call("serialize", bytes: all))
        #expect(literal.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
    }

    @Test func serializeBigNestedTable() throws {
        let state = try makeState()
        try state.run(sameSource, chunkName: "=same")
        try state.run(
            """
            big = {}
            for i = 1, 200 do
              big[i] = {id = i, name = 'item ' .. i, price = i / 7, tags = {'a', 'b'}, [i * 1.5] = i % 2 == 0}
            end
            big.meta = {count = 200, ok = true}
            """, chunkName: "=big")
        #expect(try state.evaluate("roundtrip(big)") == "true")
    }

    @Test func serializeIsStable() throws {
        let state = try makeState()
        let first = try state.evaluate(
            "lf.serialize((function() local t = {} for i = 1, 50 do t['k' .. i] = i end t[true] = 1 t[2.5] = 2 return t end)())")
        let second = try state.evaluate(
            "lf.serialize((function() local t = {[2.5] = 2, [true] = 1} for i = 50, 1, -1 do t['k' .. i] = i end return t end)())")
        #expect(first != nil)
        #expect(first == second)
    }

    @Test func serializeSharedTableTwice() throws {
        let state = try makeState()
        #expect(try state.evaluate("(function() local s = {1} return lf.serialize({s, s, k = s}) end)()") == "{{1}, {1}, k = {1}}")
    }

    @Test(arguments: [
        "(function() local t = {} t.self = t return t end)()",
        "(function() local a, b = {}, {} a[1] = b b.up = a return a end)()",
        "(function() local t = {} t[t] = 1 return t end)()",
    ])
    func serializeCycleIsAnError(expression: String) throws {
        let state = try makeState()
        #expect(try state.evaluate("select(2, pcall(lf.serialize, \(expression)))") == "luafcgid.serialize: table cycle")
    }

    @Test(arguments: [
        ("print", "function"),
        ("{f = print}", "function"),
        ("coroutine.create(print)", "thread"),
        ("io.stdout", "userdata"),
        ("{[print] = 1}", "function"),
    ])
    func serializeUnsupportedValueIsAnError(expression: String, type: String) throws {
        let state = try makeState()
        #expect(try state.evaluate("select(2, pcall(lf.serialize, \(expression)))")
            == "luafcgid.serialize: cannot serialize a \(type) value")
    }
}
