import Foundation

/// How a child process ended.
enum ExitStatus: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }

    /// Decodes a `waitpid` status (the WIFEXITED/WEXITSTATUS/WTERMSIG macros
    /// are not importable into Swift).
    init(waitStatus: Int32) {
        if waitStatus & 0x7f == 0 {
            self = .exited((waitStatus >> 8) & 0xff)
        } else {
            self = .signaled(waitStatus & 0x7f)
        }
    }
}

/// A child process started by the harness, with its standard output and
/// error captured to files (`<name>.stdout`, `<name>.stderr` in `directory`),
/// so a chatty child can never block on a full pipe, and the logs outlive it.
///
/// Started with `posix_spawn` rather than Foundation's `Process`, because
/// the child must begin with an empty signal mask and default signal
/// actions: a Swift concurrency thread has most signals blocked, the mask is
/// inherited, and a luafcgid or nginx started from there would never see
/// the SIGTERM that tests (and `stop()`) send. The harness opens its own
/// descriptors close-on-exec, so children get 0–2 and nothing of another
/// test's. Standard input is /dev/null unless a file is given.
///
/// Every `ChildProcess` must be `stop()`ped (or waited for) by its owner;
/// `stop` is safe to call more than once.
final class ChildProcess {
    let name: String
    let pid: pid_t
    let stdoutURL: URL
    let stderrURL: URL
    private var ended: ExitStatus?

    /// Starts `executable`. The environment defaults to the test process's own.
    init(
        name: String,
        executable: URL,
        arguments: [String],
        environment: [String: String]? = nil,
        directory: URL,
        stdin: URL? = nil
    ) throws {
        self.name = name
        stdoutURL = directory.appendingPathComponent("\(name).stdout")
        stderrURL = directory.appendingPathComponent("\(name).stderr")
        try FileManager.default.createDirectory(
            at: stdoutURL.deletingLastPathComponent(), withIntermediateDirectories: true)

        let input = open(stdin?.path ?? "/dev/null", O_RDONLY | O_CLOEXEC)
        let output = open(stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let error = open(stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { for fd in [input, output, error] where fd >= 0 { close(fd) } }
        guard input >= 0, output >= 0, error >= 0 else {
            throw HarnessError("cannot open the files of \(name): \(String(cString: strerror(errno)))")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment)
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in env { free(pointer) }
        }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable.path, &actions, &attributes, argv, env)
        guard result == 0 else {
            throw HarnessError("cannot start \(name) (\(executable.path)): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// How the process ended, or nil while it runs. Reaps it once it ended.
    var exitStatus: ExitStatus? {
        if let ended { return ended }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            ended = ExitStatus(waitStatus: status)
        } else if result < 0 {
            ended = .exited(-1)  // not our child any more: nothing to wait for
        }
        return ended
    }

    var isRunning: Bool { exitStatus == nil }

    /// Waits (bounded) for the process to end on its own.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> ExitStatus {
        try await poll("\(name) (pid \(pid)) to exit", timeout: timeout) { !isRunning }
        return exitStatus!
    }

    /// Sends `signal` to the process if it has not been reaped yet (so the
    /// PID cannot belong to anyone else).
    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Stops the process by its PID: SIGTERM, a bounded wait, then SIGKILL
    /// and another bounded wait. Returns how it ended (nil only if even
    /// SIGKILL did not end it in time, which leaves nothing else to try).
    @discardableResult
    func stop(grace: Duration = .seconds(5)) async -> ExitStatus? {
        guard isRunning else { return exitStatus }
        send(SIGTERM)
        if (try? await poll("", timeout: grace) { !isRunning }) != nil {
            return exitStatus
        }
        send(SIGKILL)
        _ = try? await poll("", timeout: .seconds(5)) { !isRunning }
        return exitStatus
    }

    var standardOutput: Data { (try? Data(contentsOf: stdoutURL)) ?? Data() }
    var standardError: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }

    /// Runs a short-lived command to completion (bounded) and returns how it
    /// ended; its output stays in the files. A command still running at the
    /// deadline is stopped and reported as a `HarnessError`.
    static func run(
        name: String,
        executable: URL,
        arguments: [String],
        environment: [String: String]? = nil,
        directory: URL,
        stdin: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> (ChildProcess, ExitStatus) {
        let child = try ChildProcess(
            name: name, executable: executable, arguments: arguments,
            environment: environment, directory: directory, stdin: stdin)
        do {
            let status = try await child.waitForExit(timeout: timeout)
            return (child, status)
        } catch {
            await child.stop()
            throw error
        }
    }
}
