import NIOCore

/// A request as the application first sees it: its ID, whether the connection
/// stays open after it, and its CGI parameters (FastCGI 1.0 §5.1, §5.2).
///
/// Passed up once the empty PARAMS record has closed the parameter stream, so
/// the parameters are complete.
public struct FastCGIRequestHead: Sendable, Hashable {
    public var requestID: UInt16
    /// `FCGI_KEEP_CONN`: when false, the connection is closed after this request's END_REQUEST.
    public var keepConnection: Bool
    /// The parameters in arrival order, duplicates included.
    public var parameters: [FastCGIParameter]

    public init(requestID: UInt16, keepConnection: Bool, parameters: [FastCGIParameter]) {
        self.requestID = requestID
        self.keepConnection = keepConnection
        self.parameters = parameters
    }

    /// The value of the first parameter called `name`, decoded as UTF-8 (invalid
    /// sequences replaced), or nil when there is none.
    public func parameter(_ name: String) -> String? {
        self.parameterValue(name).map { String(buffer: $0) }
    }

    /// The raw value of the first parameter called `name`, or nil when there is none.
    public func parameterValue(_ name: String) -> ByteBuffer? {
        let name = name.utf8
        return self.parameters.first { $0.name.readableBytesView.elementsEqual(name) }?.value
    }
}
