import Foundation

/// What one state costs: memory, and the time to create it.
///
/// A fresh luafcgid with room for 128 states serves 100 distinct copies of
/// hello.lua once each over one connection: every request creates a state
/// (cold). The same 100 requests again find their states (warm). The
/// difference of the median latencies is the creation of a state; VmRSS
/// before and after is the memory of 100 warm states.
struct StateMemoryProbe {
    let paths: BenchPaths
    let workspace: Workspace
    let loadGenerator: LoadGenerator

    static let scripts = 100
    static let states = 128

    struct Result {
        /// VmRSS in KiB: after start-up, after the cold pass, after the warm pass.
        let residentAtStart: Int
        let residentCold: Int
        let residentWarm: Int
        let cold: LoadResult
        let warm: LoadResult

        /// Creating (and loading the script into) a state, µs.
        var newState: Double { cold.p50 - warm.p50 }
    }

    func run() throws -> Result {
        let directory = try workspace.subdirectory("states")
        let hello = try String(contentsOfFile: "\(paths.benchDirectory)/lua/hello.lua", encoding: .utf8)
        var list: [String] = []
        for index in 1...Self.scripts {
            let script = "\(directory)/h\(String(format: "%03d", index)).lua"
            try hello.write(toFile: script, atomically: false, encoding: .utf8)
            list.append(script)
        }
        let listFile = try workspace.write(list.joined(separator: "\n") + "\n", to: "states/scripts.txt")

        let socket = "\(directory)/luafcgid.sock"
        let luafcgid = try BenchStack.startLuafcgid(
            name: "luafcgid-states", binary: paths.luafcgid,
            configuration: LuafcgidConfiguration(socket: socket, states: Self.states), workspace: workspace)
        defer { luafcgid.stop() }

        let resident = {
            guard let kibibytes = ProcessTree.residentKiB(of: luafcgid.pid) else {
                throw BenchError("luafcgid-states: no VmRSS in /proc/\(luafcgid.pid)/status")
            }
            return kibibytes
        }
        let pass = { (name: String) in
            try loadGenerator.run(
                socket: socket,
                arguments: ["--connections", "1", "--requests", String(Self.scripts), "--script-list", listFile],
                timeout: .seconds(60), name: name)
        }
        let residentAtStart = try resident()
        let cold = try pass("load-states-cold")
        let residentCold = try resident()
        let warm = try pass("load-states-warm")
        let residentWarm = try resident()
        return Result(
            residentAtStart: residentAtStart, residentCold: residentCold, residentWarm: residentWarm,
            cold: cold, warm: warm)
    }
}
