import Testing
@testable import LuaFCGI

@Suite struct ScriptPoolPolicyTests {
    @Test func anIdleStateOfTheScriptIsReused() {
        var policy = ScriptPoolPolicy(capacity: 4, clonesPerScript: 4)
        guard case .create(let id, nil) = policy.acquire(script: "a", now: 0) else { Issue.record("expected a new slot"); return }
        policy.release(id: id, keep: true, now: 1)
        #expect(policy.acquire(script: "a", now: 2) == .reuse(id: id))
        #expect(policy.slots.count == 1)
    }

    @Test func aCloneIsMadeOnlyWhileAllStatesOfTheScriptAreBusy() {
        var policy = ScriptPoolPolicy(capacity: 4, clonesPerScript: 4)
        guard case .create(let first, nil) = policy.acquire(script: "a", now: 0) else { Issue.record("expected a new slot"); return }
        guard case .create(let second, nil) = policy.acquire(script: "a", now: 0) else { Issue.record("expected a clone"); return }
        #expect(first != second)
        policy.release(id: second, keep: true, now: 1)
        #expect(policy.acquire(script: "a", now: 2) == .reuse(id: second))
    }

    @Test func clonesAreCappedExactlyNotOneMore() {
        var policy = ScriptPoolPolicy(capacity: 10, clonesPerScript: 2)
        #expect(policy.acquire(script: "a", now: 0) != .wait)
        #expect(policy.acquire(script: "a", now: 0) != .wait)
        #expect(policy.acquire(script: "a", now: 0) == .wait)
        #expect(policy.count(of: "a") == 2)
        // Another script is not held up by it.
        #expect(policy.acquire(script: "b", now: 0) != .wait)
    }

    @Test func aFullPoolEvictsTheLeastValuableIdleState() {
        var policy = ScriptPoolPolicy(capacity: 2, clonesPerScript: 2, popularityHalfLife: 10)
        guard case .create(let popular, nil) = policy.acquire(script: "popular", now: 0),
            case .create(let rare, nil) = policy.acquire(script: "rare", now: 0)
        else { Issue.record("expected two new slots"); return }
        policy.release(id: rare, keep: true, now: 1)
        policy.release(id: popular, keep: true, now: 1)
        for t in 2..<6 {
            #expect(policy.acquire(script: "popular", now: Double(t)) == .reuse(id: popular))
            policy.release(id: popular, keep: true, now: Double(t))
        }
        guard case .create(_, let evicted) = policy.acquire(script: "new", now: 7) else { Issue.record("expected eviction"); return }
        #expect(evicted == rare)
        #expect(policy.slots[rare] == nil)
    }

    @Test func agingMakesALongIdlePopularStateWorthLessThanARecentOne() {
        var policy = ScriptPoolPolicy(capacity: 2, clonesPerScript: 2, popularityHalfLife: 10)
        guard case .create(let old, nil) = policy.acquire(script: "old", now: 0) else { Issue.record("expected slot"); return }
        policy.release(id: old, keep: true, now: 0)
        for _ in 0..<7 {  // 8 requests at t=0
            _ = policy.acquire(script: "old", now: 0)
            policy.release(id: old, keep: true, now: 0)
        }
        guard case .create(let recent, nil) = policy.acquire(script: "recent", now: 100) else { Issue.record("expected slot"); return }
        policy.release(id: recent, keep: true, now: 100)
        // 8 requests 100 s (10 half-lives) ago are worth 8/1024 now; one request just now is worth 1.
        guard case .create(_, let evicted) = policy.acquire(script: "third", now: 100) else { Issue.record("expected eviction"); return }
        #expect(evicted == old)
    }

    @Test func onEqualValueTheLongerIdleStateGoes() {
        var policy = ScriptPoolPolicy(capacity: 2, clonesPerScript: 1, popularityHalfLife: .infinity)
        guard case .create(let a, nil) = policy.acquire(script: "a", now: 0),
            case .create(let b, nil) = policy.acquire(script: "b", now: 0)
        else { Issue.record("expected slots"); return }
        policy.release(id: b, keep: true, now: 5)
        policy.release(id: a, keep: true, now: 1)
        guard case .create(_, let evicted) = policy.acquire(script: "c", now: 10) else { Issue.record("expected eviction"); return }
        #expect(evicted == a)
    }

    @Test func aFullPoolOfBusyStatesMakesTheRequestWait() {
        var policy = ScriptPoolPolicy(capacity: 2, clonesPerScript: 2)
        _ = policy.acquire(script: "a", now: 0)
        _ = policy.acquire(script: "b", now: 0)
        #expect(policy.acquire(script: "c", now: 0) == .wait)
    }

    @Test func aStateNotKeptLeavesThePool() {
        var policy = ScriptPoolPolicy(capacity: 2, clonesPerScript: 2)
        guard case .create(let id, nil) = policy.acquire(script: "a", now: 0) else { Issue.record("expected slot"); return }
        let kept = policy.release(id: id, keep: false, now: 1)
        #expect(!kept)
        #expect(policy.slots.isEmpty)
    }

    @Test func retiringDropsIdleStatesAtOnceAndBusyOnesOnRelease() {
        var policy = ScriptPoolPolicy(capacity: 4, clonesPerScript: 4)
        guard case .create(let idle, nil) = policy.acquire(script: "a", now: 0),
            case .create(let busy, nil) = policy.acquire(script: "a", now: 0)
        else { Issue.record("expected slots"); return }
        policy.release(id: idle, keep: true, now: 1)
        let dropped = policy.retire(ids: [idle, busy])
        #expect(dropped == [idle])
        #expect(policy.slots[busy]?.stale == true)
        let kept = policy.release(id: busy, keep: true, now: 2)
        #expect(!kept)
        #expect(policy.slots.isEmpty)
    }

    @Test func clonesAboveTheStateCapAreLimitedToIt() {
        let policy = ScriptPoolPolicy(capacity: 3, clonesPerScript: 10)
        #expect(policy.clonesPerScript == 3)
    }
}
