/// A luafcgid configuration script: the socket, otherwise the defaults
/// (examples/config.lua) unless `states` is given.
struct LuafcgidConfiguration {
    let socket: String
    var states: Int?

    func render() -> String {
        var lines = ["listen = \"unix:\(socket)\""]
        if let states { lines.append("states = \(states)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
