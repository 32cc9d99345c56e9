extension Server {
    /// Applies `new` in place (SIGHUP, SPEC §6), without refusing or losing a request:
    ///
    /// 1. a new `accesslog` file is opened and addresses new to `listen` are bound
    ///    first — if one cannot be, what was just opened is closed again and the
    ///    error is thrown: nothing else changed;
    /// 2. `workers`, `queue`, `states`, `clones`, `sweep` and `shared` change in place (fewer
    ///    workers end between requests; states over the new bound go as they are released;
    ///    the shared store keeps its entries, evicting down to a smaller capacity);
    /// 3. every state is closed, idle ones now and busy ones when their request ends,
    ///    so each script loads afresh under the new settings (`preload`, `memory`, …);
    /// 4. requests from here on run with the new configuration — on every listener,
    ///    kept-alive connections included — while those running finish with the old;
    /// 5. addresses no longer in `listen` stop accepting (their socket files are
    ///    removed); connections already accepted on them are served until they close.
    ///
    /// A kept listener keeps its socket, so its `backlog` stays as it was bound.
    public func reload(to new: Configuration) async throws(ServerError) -> ReloadSummary {
        guard !stopping.withLockedValue({ $0 }) else { throw .stopping }
        let old = configuration
        let current = listeners.withLockedValue { $0 }
        let wanted = Set(new.listen)
        let accessLogChanged = new.accessLog != old.accessLog
        var accessLog: AccessLog?
        if accessLogChanged, let path = new.accessLog {
            do {
                accessLog = try AccessLog(path: path)
            } catch {
                throw .cannotRun("cannot open the access log \(error.path): \(error.reason)")
            }
        }
        var added: [Listener] = []
        for address in new.listen where !current.contains(where: { $0.address == address }) {
            do {
                added.append(try await bind(address, configuration: new))
            } catch {
                for listener in added { await close(listener) }
                throw error
            }
        }

        loop.resize(workers: new.workers, queue: new.queue)
        let closed = pool.renew(capacity: new.states, clonesPerScript: new.clones)
        shared.resize(capacityBytes: SharedStore.bytes(megabytes: new.sharedMiB))
        runner.replace(with: RequestRunner(
            configuration: new, pool: pool, logger: logger, statistics: statistics, shared: shared,
            waiting: { [loop] in loop.waiting }))
        if accessLogChanged { observer.replaceAccessLog(with: accessLog) }
        housekeeper.setPeriod(milliseconds: new.sweepMilliseconds)
        let kept = current.filter { wanted.contains($0.address) }
        for listener in kept {
            switch listener.socket {
            case .workers(_, _, let settings):
                settings.replace(with: connectionSettings(new))
            case .eventLoop(_, let settings):
                if case .http(let host, let port) = listener.address {
                    settings.replace(with: httpSettings(new, host: host, port: port))
                }
            }
            if let file = listener.socketFile { setMode(of: file, new) }
        }
        let removed = current.filter { !wanted.contains($0.address) }
        listeners.withLockedValue { $0 = kept + added }
        for listener in removed { await close(listener) }

        return ReloadSummary(
            closedStates: closed.count,
            added: added.map { $0.address.boundTo(port: $0.port).description },
            removed: removed.map { $0.address.boundTo(port: $0.port).description },
            changes: ReloadSummary.changes(from: old, to: new))
    }
}

/// What a reload did, for its log line.
public struct ReloadSummary: Sendable, CustomStringConvertible {
    /// Idle states closed at once (busy ones close when their request ends).
    public var closedStates: Int
    /// Addresses now listened on that were not before, and those let go.
    public var added: [String]
    public var removed: [String]
    /// The settings whose value changed, as `name: old → new`.
    public var changes: [String]

    public var description: String {
        var parts = ["\(closedStates) idle state\(closedStates == 1 ? "" : "s") closed, scripts reload on their next request"]
        if !added.isEmpty { parts.append("now also listening on " + added.joined(separator: ", ")) }
        if !removed.isEmpty { parts.append("no longer listening on " + removed.joined(separator: ", ")) }
        parts.append(changes.isEmpty ? "no setting changed" : "changed: " + changes.joined(separator: ", "))
        return parts.joined(separator: "; ")
    }

    /// Every setting whose value differs, in name order.
    static func changes(from old: Configuration, to new: Configuration) -> [String] {
        Set(old.values.keys).union(new.values.keys).sorted().compactMap { name in
            let (before, after) = (old.values[name], new.values[name])
            guard before != after else { return nil }
            return "\(name) \(before?.description ?? "unset") → \(after?.description ?? "unset")"
        }
    }
}
