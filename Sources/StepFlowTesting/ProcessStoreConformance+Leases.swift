import Foundation
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `renewLeases(now:for:)` extends the owner's current leases for the duration past the store's time.
    public func renewLeasesForADuration() async throws {
        let store = try await makeStore()
        for id: ProcessID in ["a", "b"] {
            try await Fixture.create(store, id, at: Fixture.t(0))
        }
        let claimed = try await Fixture.claim(store, owner: "w1", at: Fixture.t(0))
        #expect(claimed.map(\.id) == ["a", "b"])
        let renewed = try await store.renewLeases(
            [ProcessLeaseToken(id: "b", token: 1), ProcessLeaseToken(id: "a", token: 9)], owner: "w1", now: Fixture.t(20),
            for: .seconds(60)
        )
        #expect(renewed == ["b"])
        let b = try #require(try await store.process("b"))
        #expect(b.lease == .init(owner: "w1", expiresAt: Fixture.t(80)))
        #expect(b.dueAt == Fixture.t(80))
        #expect(try await store.renewLeases([ProcessLeaseToken(id: "b", token: 1)], owner: "w2", now: Fixture.t(20), for: .seconds(60)) == [])
    }

    /// `renewLeases` extends only the leases the owner holds with the current token.
    public func renewLeasesExtendsOnlyCurrentTokens() async throws {
        let store = try await makeStore()
        for id: ProcessID in ["a", "b", "c"] {
            try await Fixture.create(store, id, at: Fixture.t(0))
        }
        let claimed = try await Fixture.claim(store, owner: "w1", at: Fixture.t(0))
        #expect(claimed.map(\.leaseToken) == [1, 1, 1])
        let b = try await store.process("b")
        let c = try await store.process("c")

        // A current token of the owner: renewed. A wrong token, or another owner: not.
        let renewed = try await store.renewLeases(
            [ProcessLeaseToken(id: "b", token: 7), ProcessLeaseToken(id: "a", token: 1), ProcessLeaseToken(id: "ghost", token: 1)],
            owner: "w1", until: Fixture.t(60)
        )
        #expect(renewed == ["a"])
        #expect(try await store.renewLeases([ProcessLeaseToken(id: "c", token: 1)], owner: "w2", until: Fixture.t(60)) == [])
        let a = try #require(try await store.process("a"))
        #expect(a.lease == .init(owner: "w1", expiresAt: Fixture.t(60)))
        #expect(a.dueAt == Fixture.t(60))
        #expect(a.leaseToken == 1)
        #expect(try await store.process("b") == b)
        #expect(try await store.process("c") == c)

        // Once the first leases lapse, only the renewed process stays held.
        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(30)).map(\.id).sorted() == ["b", "c"])
        // b and c were taken over: w1's tokens are stale now.
        #expect(try await store.renewLeases([ProcessLeaseToken(id: "b", token: 1)], owner: "w1", until: Fixture.t(90)) == [])
        // Renewing the order of several returns them in order.
        #expect(try await store.renewLeases(
            [ProcessLeaseToken(id: "c", token: 2), ProcessLeaseToken(id: "b", token: 2)], owner: "w2", until: Fixture.t(90)
        ) == ["c", "b"])

        // A saved step releases the lease: nothing left to renew.
        #expect(try await store.commit([Fixture.update(a, status: .running, dueAt: Fixture.t(40), at: Fixture.t(40))]) == [.saved])
        #expect(try await store.renewLeases([ProcessLeaseToken(id: "a", token: 1)], owner: "w1", until: Fixture.t(120)) == [])
        // A cancelled process cannot be renewed either.
        _ = try await store.execute(.cancel(reason: "stop"), on: "c", now: Fixture.t(41))
        #expect(try await store.renewLeases([ProcessLeaseToken(id: "c", token: 2), ProcessLeaseToken(id: "c", token: 3)], owner: "w2", until: Fixture.t(120)) == [])
        #expect(try await store.process("c")?.dueAt == nil)
    }

    /// `releaseLeases` makes the owner's processes due at once.
    public func releaseLeasesMakesProcessesDueNow() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "a", at: Fixture.t(0))
        try await Fixture.create(store, "b", at: Fixture.t(0))
        _ = try await Fixture.claim(store, owner: "w1", at: Fixture.t(0), lease: .seconds(60))
        let b = try await store.process("b")

        try await store.releaseLeases([ProcessLeaseToken(id: "a", token: 1)], owner: "w1", now: Fixture.t(10))
        // Another owner, or a wrong token: nothing changes.
        try await store.releaseLeases([ProcessLeaseToken(id: "b", token: 1)], owner: "w2", now: Fixture.t(10))
        try await store.releaseLeases([ProcessLeaseToken(id: "b", token: 5)], owner: "w1", now: Fixture.t(10))
        try await store.releaseLeases([ProcessLeaseToken(id: "ghost", token: 1)], owner: "w1", now: Fixture.t(10))

        let a = try #require(try await store.process("a"))
        #expect(a.lease == nil)
        #expect(a.dueAt == Fixture.t(10))
        #expect(a.leaseToken == 1)
        #expect(a.status == .running)
        #expect(try await store.process("b") == b)
        #expect(try await store.nextDueDate() == Fixture.t(10))
        #expect(try await store.dueCount(now: Fixture.t(10)) == 1)

        let again = try await Fixture.claim(store, owner: "w2", at: Fixture.t(10))
        #expect(again.map(\.id) == ["a"])
        #expect(again.map(\.leaseToken) == [2])
    }
}
