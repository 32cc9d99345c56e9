import Foundation

/// Starts the server's own threads under names `top -H` and `ps -L` show.
///
/// On Linux, Foundation passes `Thread.name` to the kernel only when a thread
/// names itself, so each thread does so once it runs (the kernel keeps 15 characters).
enum NamedThread {
    static func start(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            Thread.current.name = name
            body()
        }
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }
}
