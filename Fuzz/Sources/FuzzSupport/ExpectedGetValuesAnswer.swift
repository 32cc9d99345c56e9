import FastCGI
import NIOCore

/// The GET_VALUES_RESULT content a query should get (FastCGI 1.0 §4.1): each of the
/// three variables luafcgid knows, once, in the order first asked for; every other
/// name left out. Names are compared as bytes.
public func expectedGetValuesAnswer(
    to query: [ReferenceNameValueStream.Pair],
    configuration: FastCGIServerConfiguration
) -> ByteBuffer {
    let known: [(name: String, value: String)] = [
        (FastCGIManagementVariable.maxConnections, String(configuration.maxConnections)),
        (FastCGIManagementVariable.maxRequests, String(configuration.maxRequests)),
        (FastCGIManagementVariable.multiplexesConnections, "1"),
    ]
    var answer = ByteBuffer()
    var asked: Set<[UInt8]> = []
    for pair in query where asked.insert(pair.name).inserted {
        if let variable = known.first(where: { $0.name.utf8.elementsEqual(pair.name) }) {
            answer.writeFastCGINameValuePair(name: variable.name, value: variable.value)
        }
    }
    return answer
}
