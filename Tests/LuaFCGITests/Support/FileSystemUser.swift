import Foundation

/// Runs `body` on a thread of its own whose file-system uid is `uid`, so the
/// kernel checks file permissions as it would for that user.
///
/// The tests run as root, and root's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
/// skip every permission check: a chmod 000 file opens. Linux keeps the
/// file-system uid per thread (`setfsuid` is not applied to the whole process
/// as `setuid` is), and changing it from 0 to another uid clears those
/// capabilities from that thread's effective set (capabilities(7)); changing it
/// back restores them. So the permission check is the kernel's own, not an
/// injected error, and the other tests' threads stay root. Glibc's Swift module
/// leaves `setfsuid` out; it is found with `dlsym`. Run as another user
/// already, the tests need no change: `body` runs as it is.
func asFileSystemUser<T: Sendable>(_ uid: UInt32, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await onThread {
        guard geteuid() == 0 else { return try body() }
        typealias SetFileSystemUID = @convention(c) (UInt32) -> Int32
        guard let symbol = dlsym(nil, "setfsuid") else { throw FileSystemUserError("dlsym(setfsuid) failed") }
        let setfsuid = unsafeBitCast(symbol, to: SetFileSystemUID.self)
        _ = setfsuid(uid)
        // setfsuid returns the previous file-system uid: asking again tells whether it took.
        guard setfsuid(uid) == Int32(bitPattern: uid) else { throw FileSystemUserError("setfsuid(\(uid)) did not take") }
        defer { _ = setfsuid(0) }
        return try body()
    }
}

struct FileSystemUserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
