/// The variable names a web server may ask about with GET_VALUES (FastCGI 1.0 §4.1).
///
/// Names are bytes on the wire; these are their spellings. We answer only these
/// three and only when asked, leaving out any other name as §4.1 requires.
public enum FastCGIManagementVariable {
    /// `FCGI_MAX_CONNS`: how many concurrent transport connections we accept.
    public static let maxConnections = "FCGI_MAX_CONNS"
    /// `FCGI_MAX_REQS`: how many concurrent requests we accept.
    public static let maxRequests = "FCGI_MAX_REQS"
    /// `FCGI_MPXS_CONNS`: "1" because we multiplex requests over a connection.
    public static let multiplexesConnections = "FCGI_MPXS_CONNS"
}
