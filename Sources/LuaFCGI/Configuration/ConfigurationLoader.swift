import Lua

/// Runs a config script (SPEC §2) in a throw-away Lua state and reads its globals.
///
/// The script is ordinary Lua 5.4, so arithmetic works (`states = workers * 2`).
/// Only the globals it assigns count; unknown ones are reported as warnings.
public enum ConfigurationLoader {
    /// Loads the script at `path` and builds the configuration with `overrides` applied.
    public static func load(
        path: String, overrides: Configuration.Overrides = .init()
    ) throws(ConfigurationError) -> Configuration {
        let script = try readSettings(path: path)
        return try Configuration(
            scriptValues: script.values, overrides: overrides, source: path, lines: script.lines,
            warnings: script.warnings)
    }

    /// What a config script assigned: type-checked values, the line of each
    /// assignment, and warnings about globals that are no settings.
    struct ScriptSettings {
        var values: [String: ConfigurationValue] = [:]
        var lines: [String: Int] = [:]
        var warnings: [String] = []
    }

    /// Runs before the config script: assignments to globals go to a table of their
    /// own (reads fall back to it), with the line of the latest assignment, so an
    /// error can name the line that set a bad value. Returns that table and the lines.
    private static let recorder = """
        local values, lines = {}, {}
        setmetatable(_G, {
          __index = values,
          __newindex = function(_, name, value)
            values[name] = value
            lines[name] = debug.getinfo(2, "l").currentline
          end,
        })
        return values, lines
        """

    /// The settings the script at `path` assigns.
    static func readSettings(path: String) throws(ConfigurationError) -> ScriptSettings {
        let lua: LuaState
        do {
            lua = try LuaState()
            lua.openStandardLibraries()
            try lua.loadString(recorder, chunkName: "=luafcgid")
            try lua.call(arguments: 0, results: 2)  // stack: [values, lines]
        } catch {
            throw .unreadable(source: path, reason: error.description)
        }
        do {
            try lua.loadFile(path)
        } catch {
            switch error {
            case .syntax(let message): throw .syntax(message: fullPath(path, in: message))
            default: throw .unreadable(source: path, reason: Self.fileReason(error))
            }
        }
        do {
            try lua.call(arguments: 0, results: 0)
        } catch {
            if case .runtime(let message, _) = error { throw .runtime(source: path, message: fullPath(path, in: message)) }
            throw .runtime(source: path, message: error.description)
        }

        var script = ScriptSettings()
        lua.forEachPair(inTable: 2) {
            if let name = lua.string(at: -2), let line = lua.integer(at: -1) { script.lines[name] = line }
            return true
        }
        for setting in Setting.all {
            lua.rawGet(table: 1, key: setting.name)
            defer { lua.pop() }
            guard lua.type(at: -1) != .nil else { continue }
            guard let value = value(lua, kind: setting.kind) else {
                let location = script.lines[setting.name].map { "\(path):\($0)" } ?? path
                throw .wrongType(setting: setting.name, source: location, expected: setting.kind.expectation)
            }
            script.values[setting.name] = value
        }
        lua.forEachPair(inTable: 1) {
            if let name = lua.string(at: -2), Setting.byName[name] == nil {
                let location = script.lines[name].map { "\(path):\($0)" } ?? path
                script.warnings.append("\(location): unknown setting '\(name)' ignored")
            }
            return true
        }
        script.warnings.sort()
        return script
    }

    /// Lua shortens long chunk names in messages (`...ng/path/config.lua:2: …`);
    /// put the whole path back in front of the line number.
    static func fullPath(_ path: String, in message: String) -> String {
        var index = message.startIndex
        while let colon = message[index...].firstIndex(of: ":") {
            let afterColon = message.index(after: colon)
            let digits = message[afterColon...].prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, message[digits.endIndex...].hasPrefix(": ") {
                return path + message[colon...]
            }
            index = afterColon
        }
        return message
    }

    /// Lua's message for an unreadable file reads "cannot open PATH: reason"; keep the reason.
    private static func fileReason(_ error: LuaError) -> String {
        guard case .file(let message) = error, let colon = message.firstRange(of: ": ") else { return error.description }
        return String(message[colon.upperBound...])
    }

    /// The value on top as a configuration value of `kind`, or nil when it has the wrong type.
    private static func value(_ lua: LuaState, kind: Setting.Kind) -> ConfigurationValue? {
        switch (kind, lua.type(at: -1)) {
        case (.integer, .number):
            if let integer = lua.integer(at: -1) { return .integer(integer) }
            if let number = lua.number(at: -1), number.rounded() == number, abs(number) < 1e15 { return .integer(Int(number)) }
            return nil
        case (.number, .number):
            return lua.integer(at: -1).map { .integer($0) } ?? lua.number(at: -1).map { .number($0) }
        case (.boolean, .boolean):
            return lua.boolean(at: -1).map { .boolean($0) }
        case (.string, .string), (.strings, .string):
            return lua.string(at: -1).map { .string($0) }
        case (.strings, .table):
            var texts: [String] = []
            let count = lua.rawLength(at: -1)
            for index in 0..<count {
                defer { lua.pop() }
                guard lua.rawGet(table: -1, index: index + 1) == .string, let text = lua.string(at: -1) else { return nil }
                texts.append(text)
            }
            return .strings(texts)
        default:
            return nil
        }
    }
}
