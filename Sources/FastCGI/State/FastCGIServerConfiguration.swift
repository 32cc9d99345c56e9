/// Limits and advertised values for the FastCGI side of the server, as
/// ``FastCGIConnectionStateMachine`` applies them to each connection.
///
/// `maxConnections` and `maxRequests` are what GET_VALUES reports as
/// `FCGI_MAX_CONNS` and `FCGI_MAX_REQS` (FastCGI 1.0 §4.1); enforcing them across
/// connections is the server's job. The other limits bound what one peer can
/// make one connection hold (SPEC §5).
public struct FastCGIServerConfiguration: Sendable, Hashable {
    /// Reported as `FCGI_MAX_CONNS`.
    public var maxConnections: Int
    /// Reported as `FCGI_MAX_REQS`.
    public var maxRequests: Int
    /// The most requests one connection may have active at once. A BEGIN_REQUEST
    /// beyond it is answered with END_REQUEST `FCGI_OVERLOADED` (§5.5), so a
    /// multiplexing peer cannot pile up unbounded parameter buffers.
    public var maxRequestsPerConnection: Int
    /// The most bytes of names plus values one request's parameters may total
    /// (SPEC §5: 1 MiB). One name or value may take nearly all of it. Beyond it
    /// the input is malformed and the connection is closed.
    public var maxParameterBytes: Int

    public init(
        maxConnections: Int = 1024,
        maxRequests: Int = 1024,
        maxRequestsPerConnection: Int = 128,
        maxParameterBytes: Int = 1 << 20
    ) {
        self.maxConnections = maxConnections
        self.maxRequests = maxRequests
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.maxParameterBytes = maxParameterBytes
    }
}
