import Foundation

/// A process started by the benchmark, its standard output and error in
/// `<directory>/<name>.out` and `.err` (files, not pipes: a chatty child can
/// never block, and the logs are there for a post-mortem with `--keep`).
///
/// Started with `posix_spawn` and an empty signal mask plus default actions
/// for the signals the benchmark ignores or blocks itself: both are inherited
/// through `exec`, and an nginx that ignores SIGINT/SIGTERM cannot be stopped.
/// Every child is known to `ProcessRegistry` until it is reaped, so Ctrl-C
/// stops it too; the owner calls `stop()` on every path out.
final class ChildProcess {
    let name: String
    let pid: pid_t
    let outputPath: String
    let errorPath: String
    private var status: Int32?

    init(name: String, executable: String, arguments: [String], directory: String) throws {
        self.name = name
        outputPath = "\(directory)/\(name).out"
        errorPath = "\(directory)/\(name).err"

        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let error = open(errorPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { for fd in [input, output, error] where fd >= 0 { close(fd) } }
        guard input >= 0, output >= 0, error >= 0 else {
            throw BenchError("\(name): cannot open its log files in \(directory): \(String(cString: strerror(errno)))")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, target) in [(input, Int32(0)), (output, 1), (error, 2)] {
            posix_spawn_file_actions_adddup2(&actions, fd, target)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaultActions = sigset_t()
        sigemptyset(&defaultActions)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaultActions, signalNumber)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultActions)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw BenchError("\(name): cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        ProcessRegistry.shared.add(pid)
    }

    /// Runs a short-lived command to its end (bounded by `timeout`, then
    /// killed) and returns its standard output; a non-zero exit throws with
    /// the end of its standard error.
    static func run(
        name: String, executable: String, arguments: [String], directory: String, timeout: Duration
    ) throws -> String {
        let child = try ChildProcess(name: name, executable: executable, arguments: arguments, directory: directory)
        defer { child.stop() }
        try poll("\(name) to finish", timeout: timeout) { !child.isRunning }
        guard child.exitStatus == 0 else {
            throw BenchError("\(name) failed (\(child.endDescription)): \(child.errorTail)")
        }
        return child.output
    }

    /// Whether the process still runs; reaps it once it has ended.
    var isRunning: Bool {
        guard status == nil else { return false }
        var waitStatus: Int32 = 0
        switch waitpid(pid, &waitStatus, WNOHANG) {
        case pid: ended(waitStatus)
        case -1: ended(-1)  // not ours to wait for any more: nothing left to do
        default: break
        }
        return status == nil
    }

    /// The exit code, or nil while running or if ended by a signal.
    var exitStatus: Int32? {
        guard !isRunning, let status, status >= 0, status & 0x7f == 0 else { return nil }
        return (status >> 8) & 0xff
    }

    /// "exit status 1" or "signal 9", for messages.
    var endDescription: String {
        guard !isRunning, let status else { return "running" }
        if let exitStatus { return "exit status \(exitStatus)" }
        return status < 0 ? "ended" : "signal \(status & 0x7f)"
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// The last lines of standard error, for an error message.
    var errorTail: String {
        let text = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n").suffix(8).joined(separator: "\n")
        return tail.isEmpty ? "(nothing on standard error, see \(errorPath))" : tail
    }

    /// Stops the process and its descendants by PID (SIGTERM, then SIGKILL
    /// after 5 s) and reaps it. Safe to call more than once.
    func stop() {
        if isRunning {
            ProcessTree.terminate(root: pid, grace: .seconds(5))
            try? poll("\(name) to be reaped", timeout: .seconds(5)) { !isRunning }
        }
    }

    private func ended(_ waitStatus: Int32) {
        status = waitStatus
        ProcessRegistry.shared.remove(pid)
    }
}
