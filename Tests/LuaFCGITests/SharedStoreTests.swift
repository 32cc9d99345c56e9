import Foundation
import Synchronization
import Testing

@testable import LuaFCGI

/// A monotonic clock the test moves by hand, so TTLs are tested without sleeping.
final class ManualClock: Sendable {
    private let offset = Mutex(Duration.zero)
    private let start = ContinuousClock.now

    var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
    func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}

private func key(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The size an entry of a one-byte key and an integer value counts for.
private let smallEntry = SharedStore.size(key: key("a"), value: .integer(0))

@Suite struct SharedStoreTests {
    @Test func setGetDeleteRoundTrip() throws {
        let store = SharedStore(capacityBytes: 1 << 20)
        try store.set(key("s"), .string([0, 1, 0]))
        try store.set(key("i"), .integer(3))
        try store.set(key("f"), .float(3.0))
        try store.set(key("b"), .boolean(false))
        #expect(store.get(key("s")) == .string([0, 1, 0]))
        #expect(store.get(key("i")) == .integer(3))
        #expect(store.get(key("f")) == .float(3.0))
        #expect(store.get(key("b")) == .boolean(false))
        #expect(store.delete(key("i")))
        #expect(!store.delete(key("i")))
        #expect(store.get(key("i")) == nil)
        try store.set(key("s"), nil)
        #expect(store.get(key("s")) == nil)
        #expect(Set(store.keys()) == [key("f"), key("b")])
        #expect(store.statistics.entries == 2)
    }

    @Test func capacityIsExactlyHonouredAndTheLeastRecentlyUsedGo() throws {
        let store = SharedStore(capacityBytes: 3 * smallEntry)
        try store.set(key("a"), .integer(1))
        try store.set(key("b"), .integer(2))
        try store.set(key("c"), .integer(3))
        #expect(store.statistics.bytes == 3 * smallEntry)
        #expect(store.statistics.evictions == 0)
        _ = store.get(key("a"))  // b is now the least recently used
        try store.set(key("d"), .integer(4))
        #expect(store.get(key("b")) == nil)
        #expect(Set(store.keys()) == [key("a"), key("c"), key("d")])
        #expect(store.statistics.evictions == 1)
        #expect(store.statistics.bytes == 3 * smallEntry)
    }

    @Test func aLargerEntryEvictsAsManyAsItNeeds() throws {
        let store = SharedStore(capacityBytes: 3 * smallEntry)
        for name in ["a", "b", "c"] { try store.set(key(name), .integer(0)) }
        // Exactly two small entries' worth: a and b go, c stays, the store is full.
        let big = SharedValue.string(Array(repeating: 7, count: 2 * smallEntry - SharedStore.entryOverhead - 1))
        try store.set(key("z"), big)
        #expect(store.statistics.bytes == 3 * smallEntry)
        #expect(store.statistics.evictions == 2)
        #expect(Set(store.keys()) == [key("c"), key("z")])
    }

    @Test func anEntryLargerThanTheStoreIsRefused() throws {
        let store = SharedStore(capacityBytes: 100)
        try store.set(key("a"), .integer(1))
        #expect(throws: SharedStoreError.tooLarge(bytes: SharedStore.entryOverhead + 1 + 100, capacity: 100)) {
            try store.set(key("b"), .string(Array(repeating: 0, count: 100)))
        }
        #expect(store.get(key("a")) == .integer(1))
        #expect(SharedStoreError.tooLarge(bytes: 165, capacity: 100).description.hasPrefix("too large"))
    }

    @Test func replacingAValueKeepsTheAccountsRight() throws {
        let store = SharedStore(capacityBytes: 1 << 20)
        try store.set(key("a"), .string(Array(repeating: 1, count: 50)))
        try store.set(key("a"), .integer(1))
        #expect(store.statistics == SharedStoreStatistics(entries: 1, bytes: smallEntry, capacity: 1 << 20))
    }

    @Test func expiredEntriesAreNeverReturnedAndLeaveAtHousekeeping() throws {
        let clock = ManualClock()
        let store = SharedStore(capacityBytes: 1 << 20, clock: { clock.now })
        try store.set(key("short"), .integer(1), ttl: .seconds(1))
        try store.set(key("long"), .integer(2), ttl: .seconds(10))
        try store.set(key("forever"), .integer(3))
        clock.advance(by: .milliseconds(999))
        #expect(store.get(key("short")) == .integer(1))
        clock.advance(by: .milliseconds(1))
        #expect(Set(store.keys()) == [key("long"), key("forever")])
        #expect(store.statistics.entries == 3)  // still there until housekeeping
        #expect(store.expire() == 1)
        #expect(store.statistics.entries == 2)
        #expect(store.statistics.expirations == 1)
        clock.advance(by: .seconds(20))
        #expect(store.get(key("long")) == nil)  // removed when touched
        #expect(store.statistics.expirations == 2)
        #expect(store.expire() == 0)
        #expect(store.get(key("forever")) == .integer(3))
    }

    @Test func addOnlyWhenAbsentOrExpired() throws {
        let clock = ManualClock()
        let store = SharedStore(capacityBytes: 1 << 20, clock: { clock.now })
        #expect(try store.add(key("a"), .integer(1), ttl: .seconds(1)))
        #expect(try !store.add(key("a"), .integer(2)))
        #expect(store.get(key("a")) == .integer(1))
        clock.advance(by: .seconds(1))
        #expect(try store.add(key("a"), .integer(3)))
        #expect(store.get(key("a")) == .integer(3))
    }

    @Test func resizeEvictsDown() throws {
        let store = SharedStore(capacityBytes: 10 * smallEntry)
        for name in "abcdefghij" { try store.set(key(String(name)), .integer(0)) }
        store.resize(capacityBytes: 4 * smallEntry)
        #expect(Set(store.keys()) == Set("ghij".map { key(String($0)) }))
        #expect(store.statistics.capacity == 4 * smallEntry)
        #expect(store.statistics.evictions == 6)
        store.resize(capacityBytes: 0)
        #expect(store.keys().isEmpty)
        #expect(store.statistics.bytes == 0)
    }

    @Test func incrSemantics() throws {
        let clock = ManualClock()
        let store = SharedStore(capacityBytes: 1 << 20, clock: { clock.now })
        #expect(throws: SharedStoreError.notFound) { try store.incr(key("n"), by: .integer(1)) }
        #expect(try store.incr(key("n"), by: .integer(1), initial: .integer(10)) == .integer(11))
        #expect(try store.incr(key("n"), by: .integer(-2)) == .integer(9))
        #expect(try store.incr(key("n"), by: .float(0.5)) == .float(9.5))
        #expect(try store.incr(key("n"), by: .integer(1)) == .float(10.5))
        try store.set(key("max"), .integer(Int.max))
        #expect(throws: SharedStoreError.overflow) { try store.incr(key("max"), by: .integer(1)) }
        #expect(store.get(key("max")) == .integer(Int.max))
        try store.set(key("s"), .string(key("x")))
        #expect(throws: SharedStoreError.notANumber) { try store.incr(key("s"), by: .integer(1)) }
        // The TTL applies when incr creates the key; an existing entry keeps its expiry.
        #expect(try store.incr(key("t"), by: .integer(1), initial: .integer(0), ttl: .seconds(5)) == .integer(1))
        clock.advance(by: .seconds(4))
        #expect(try store.incr(key("t"), by: .integer(1), initial: .integer(0), ttl: .seconds(5)) == .integer(2))
        clock.advance(by: .seconds(1))
        #expect(store.get(key("t")) == nil)
    }

    @Test func concurrentIncrementsAreExact() async throws {
        let store = SharedStore(capacityBytes: 1 << 20)
        let threads = 8, increments = 5000
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    for _ in 0..<increments {
                        _ = try? store.incr(key("hits"), by: .integer(1), initial: .integer(0))
                    }
                }
            }
        }
        #expect(store.get(key("hits")) == .integer(threads * increments))
    }
}
