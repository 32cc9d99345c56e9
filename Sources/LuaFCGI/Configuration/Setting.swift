/// The settings a config script may set (SPEC §2): name, expected type and default.
///
/// One table drives reading, type checking, `--check` output and `con:config`.
struct Setting: Sendable {
    /// What a setting's value must be.
    enum Kind: Sendable {
        /// A whole number no smaller than `minimum`.
        case integer(minimum: Int)
        /// Any number no smaller than `minimum`.
        case number(minimum: Double)
        case boolean
        case string
        /// A string, or an array of strings (`listen`, `extensions`, …).
        case strings

        var expectation: String {
            switch self {
            case .integer(let minimum): return "a whole number >= \(minimum)"
            case .number(let minimum): return "a number >= \(Int(minimum))"
            case .boolean: return "true or false"
            case .string: return "a string"
            case .strings: return "a string or an array of strings"
            }
        }
    }

    let name: String
    let kind: Kind

    static let all: [Setting] = [
        Setting(name: "listen", kind: .strings),
        Setting(name: "workers", kind: .integer(minimum: 1)),
        Setting(name: "states", kind: .integer(minimum: 1)),
        Setting(name: "clones", kind: .integer(minimum: 1)),
        Setting(name: "sweep", kind: .integer(minimum: 1)),
        Setting(name: "retries", kind: .integer(minimum: 0)),
        Setting(name: "showerrors", kind: .boolean),
        Setting(name: "buffering", kind: .boolean),
        Setting(name: "headersize", kind: .integer(minimum: 0)),
        Setting(name: "bodysize", kind: .integer(minimum: 0)),
        Setting(name: "headers", kind: .string),
        Setting(name: "handler", kind: .string),
        Setting(name: "httpstatus", kind: .string),
        Setting(name: "contenttype", kind: .string),
        Setting(name: "maxpost", kind: .integer(minimum: 0)),
        Setting(name: "maxcount", kind: .integer(minimum: 0)),
        Setting(name: "logfile", kind: .string),
        Setting(name: "backlog", kind: .integer(minimum: 1)),
        Setting(name: "watchdog", kind: .number(minimum: 0)),
        Setting(name: "memory", kind: .integer(minimum: 0)),
        Setting(name: "extensions", kind: .strings),
        Setting(name: "roots", kind: .strings),
        Setting(name: "preload", kind: .string),
        Setting(name: "status", kind: .string),
        Setting(name: "ping", kind: .string),
        Setting(name: "socketmode", kind: .string),
        Setting(name: "queue", kind: .integer(minimum: 1)),
        Setting(name: "shared", kind: .integer(minimum: 1)),
        Setting(name: "allow", kind: .strings),
        Setting(name: "accesslog", kind: .string),
        Setting(name: "slowlog", kind: .number(minimum: 0)),
        Setting(name: "pidfile", kind: .string),
    ]

    static let byName: [String: Setting] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
