import Foundation
import Logging
import NIOCore

extension HTTPFront {
    /// What the HTTP front needs to know of the server (SPEC §7), taken from `Configuration`.
    public struct Settings: Sendable {
        /// The directory scripts are found under: `DOCUMENT_ROOT`, absolute, without a trailing slash (but "/").
        public var documentRoot: String
        /// The largest request body accepted, bytes (`maxpost`); past it, 413.
        public var maxPost: Int
        /// `SERVER_ADDR` and `SERVER_PORT` when the connection does not say (the listen address).
        public var serverAddress: String
        public var serverPort: String
        /// Extra header lines for the front's own pages (400, 413, 503), as the engine's pages carry them.
        public var extraHeaders: [HTTPHeaderLine]
        /// A connection on which the client sends nothing for this long, while no
        /// response is under way, is closed (nginx's `keepalive_timeout` is 75 s).
        public var idleTimeout: TimeAmount
        /// How long a worker's send waits for a client that reads nothing while more than
        /// `HTTPWriteWindow.size` bytes are outstanding; past it the response is cut off
        /// (`Configuration.writeTimeout`).
        public var writeTimeout: Duration
        /// Where a cut-off response is reported.
        public var logger: Logger
        /// Sees every answer (the counters, the access log): the server's, shared across reloads.
        public var observer: ResponseObserver?

        public init(
            documentRoot: String, maxPost: Int, serverAddress: String, serverPort: String,
            extraHeaders: [HTTPHeaderLine] = [], idleTimeout: TimeAmount = .seconds(75), writeTimeout: Duration = .seconds(60),
            logger: Logger = Logger(label: "luafcgid"), observer: ResponseObserver? = nil
        ) {
            self.documentRoot = Self.normalizedRoot(documentRoot)
            self.maxPost = maxPost
            self.serverAddress = serverAddress
            self.serverPort = serverPort
            self.extraHeaders = extraHeaders
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
            self.logger = logger
            self.observer = observer
        }

        /// The settings of an `http://host:port` listener of `configuration`, logging to `logger`.
        public init(configuration: Configuration, host: String, port: Int, logger: Logger, observer: ResponseObserver? = nil) {
            self.init(
                documentRoot: configuration.documentRoot, maxPost: configuration.maxPost, serverAddress: host,
                serverPort: String(port), extraHeaders: configuration.extraHeaders, writeTimeout: configuration.writeTimeout,
                logger: logger, observer: observer)
        }

        /// An absolute root (relative ones are taken from the working directory), without a trailing slash.
        static func normalizedRoot(_ root: String) -> String {
            var path = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
            if path.hasSuffix("/.") { path.removeLast(2) }
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
            return path.isEmpty ? "/" : path
        }
    }
}
