import FastCGI

/// Why a request did not get a good answer; each counts as one error.
enum LoadFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The connection could not be opened.
    case connect(String)
    /// The connection closed, or failed, with this request in flight.
    case connectionLost(String)
    /// The server broke FastCGI: a bad record, or one for a request not in flight.
    case protocolViolation(String)
    /// END_REQUEST said the request was not completed (§5.5), or the application failed.
    case endRequest(appStatus: UInt32, protocolStatus: FastCGIProtocolStatus)
    /// No END_REQUEST within ``LoadPlan/requestTimeoutSeconds``.
    case timeout
    /// Still no END_REQUEST when a duration run ended, after more than
    /// ``LoadPlan/stallSeconds``: a stall shorter than the timeout.
    case stalled(milliseconds: UInt64)

    /// A short name for counting failures by kind.
    var kind: String {
        switch self {
        case .connect: "connect"
        case .connectionLost: "connection lost"
        case .protocolViolation: "protocol"
        case .endRequest: "END_REQUEST"
        case .timeout: "timeout"
        case .stalled: "stalled"
        }
    }

    var description: String {
        switch self {
        case .connect(let reason): "connect failed: \(reason)"
        case .connectionLost(let reason): "connection lost with requests in flight: \(reason)"
        case .protocolViolation(let reason): "FastCGI: \(reason)"
        case .endRequest(let appStatus, let protocolStatus):
            "END_REQUEST with protocolStatus \(protocolStatus), appStatus \(appStatus)"
        case .timeout: "no END_REQUEST within \(LoadPlan.requestTimeoutSeconds) s"
        case .stalled(let milliseconds): "no END_REQUEST after \(milliseconds) ms, when the run ended"
        }
    }
}
