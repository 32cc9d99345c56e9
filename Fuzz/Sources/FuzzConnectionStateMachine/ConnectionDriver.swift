import FastCGI
import FuzzSupport
import NIOCore

/// Drives a state machine as luafcgid's `FastCGIConnection` does — bytes in reads, records
/// decoded as they complete, each record an event, each action carried out by an
/// ``Application`` — with a ``ConnectionModel`` beside it, and checks that the two agree
/// on every action and, after every step, on the active requests and their handles.
///
/// Unlike a real connection it goes on reading after a close is asked for: the machine
/// must ignore all of it. It stops at a decoding error, as nothing after one can be
/// framed.
struct ConnectionDriver {
    var machine: FastCGIConnectionStateMachine
    var model: ConnectionModel
    let application: Application

    init(configuration: FastCGIServerConfiguration, application: Application) {
        self.machine = FastCGIConnectionStateMachine(configuration: configuration)
        self.model = ConnectionModel(configuration: configuration)
        self.application = application
    }

    mutating func run(reads: [ByteBuffer]) {
        var input = ByteBuffer()
        reading: for read in reads {
            input.writeImmutableBuffer(read)
            do throws(FastCGIProtocolError) {
                while let record = try input.readFastCGIRecord() {
                    self.apply(self.machine.receivedRecord(record), expected: self.model.received(record), on: "\(record)")
                }
            } catch {
                self.apply(self.machine.receivedProtocolError(error), expected: self.model.protocolError(error), on: "\(error)")
                break reading
            }
            input.discardReadBytes()
        }
        self.apply(self.machine.channelInactive(), expected: self.model.channelInactive(), on: "the close")
        fuzzCheck(self.machine.activeRequestIDs.isEmpty && self.machine.handles.isEmpty, "requests left after the close")
        let late = self.machine.receivedRecord(FastCGIRecord(type: .abortRequest, requestID: 1))
        fuzzCheck(late == .doNothing, "after the close, a record: \(late)")
    }

    /// `event` names what happened, for a failure's message: built only then.
    private mutating func apply(
        _ action: ConnectionModel.Action,
        expected: ConnectionModel.Action,
        on event: @autoclosure () -> String
    ) {
        fuzzCheck(action == expected, "on \(event()): \(action), expected \(expected)")
        self.checkRequests(after: event())
        switch action {
        case .forward(let part), .sendAndForward(_, let part, _):
            self.react(to: part)
        case .forwardAll(let parts):
            parts.forEach { self.react(to: $0) }
        case .doNothing, .send, .close:
            break
        }
    }

    private mutating func react(to part: FastCGIRequestPart) {
        let app = self.application
        switch part {
        case .head(let head):
            let handle = RequestHandle()
            self.machine.attach(handle, to: head.requestID)
            self.model.attached(handle, to: head.requestID)
            if app.answersEarly { self.answer(head.requestID) }
        case .body(let id, let content):
            if app.echoesBody { self.write(.stdout(requestID: id, content)) }
        case .end(let id):
            if !app.answersEarly { self.answer(id) }
        case .abort(let id):
            // An application still running an aborted request writes on for a while.
            self.write(.stdout(requestID: id, Application.stdout))
            self.write(.end(requestID: id, appStatus: 1))
        }
        if app.writesStray, let stray = (UInt16(1)...UInt16.max).first(where: { self.model.requests[$0] == nil }) {
            self.write(.stdout(requestID: stray, Application.stdout))
        }
        self.checkRequests(after: "\(part)")
    }

    private mutating func answer(_ id: UInt16) {
        let app = self.application
        if app.writesStdout { self.write(.stdout(requestID: id, Application.stdout)) }
        if app.writesStderr { self.write(.stderr(requestID: id, Application.stderr)) }
        guard !app.neverEnds else { return }
        self.write(.end(requestID: id, appStatus: app.appStatus))
        if app.endsTwice { self.write(.end(requestID: id, appStatus: app.appStatus)) }
    }

    private mutating func write(_ part: FastCGIResponsePart) {
        let action = self.machine.applicationWrote(part)
        let expected = self.model.wrote(part)
        fuzzCheck(action == expected, "application wrote \(part): \(action), expected \(expected)")
    }

    /// The active requests, and the handle of each, are the model's; never more than the limit.
    private func checkRequests(after event: @autoclosure () -> String) {
        let ids = self.machine.activeRequestIDs
        fuzzCheck(ids == self.model.requests.keys.sorted(), "after \(event()): active \(ids), expected \(self.model.requests.keys.sorted())")
        fuzzCheck(ids.count <= self.model.configuration.maxRequestsPerConnection, "after \(event()): \(ids.count) active requests")
        for (id, request) in self.model.requests {
            fuzzCheck(self.machine.handle(of: id) === request.handle, "after \(event()): handle of \(id)")
        }
        let handles = self.model.requests.values.filter { $0.handle != nil }.count
        fuzzCheck(self.machine.handles.count == handles, "after \(event()): \(self.machine.handles.count) handles, expected \(handles)")
    }
}
