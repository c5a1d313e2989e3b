import Foundation
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `claim` takes the due processes only, earliest first, and leases them.
    public func claimTakesDueProcessesInDueOrder() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p1", at: Fixture.t(3))
        try await Fixture.create(store, "p2", at: Fixture.t(1))
        try await Fixture.create(store, "p3", at: Fixture.t(2))
        let later = try await Fixture.create(store, "later", at: Fixture.t(100))

        let request = ClaimRequest(owner: "w1", now: Fixture.t(10), leaseDuration: .seconds(30), limit: 10)
        #expect(request.leaseExpiry == Fixture.t(40))
        let claimed = try await store.claim(request)
        #expect(claimed.map(\.id) == ["p2", "p3", "p1"])
        for (process, created) in zip(claimed, [Fixture.t(1), Fixture.t(2), Fixture.t(3)]) {
            #expect(process.leaseToken == 1)
            let record = try process.record.get()
            let expected = ProcessRecord(
                id: process.id, flowName: Fixture.flow, state: [], input: Fixture.json(#"{"order":1}"#),
                data: Fixture.json(#"{"count":0}"#), status: .running, dueAt: Fixture.t(40),
                createdAt: created, updatedAt: created,
                lease: .init(owner: "w1", expiresAt: Fixture.t(40)), leaseToken: 1
            )
            #expect(record == expected)
            #expect(try await store.process(process.id) == expected)
        }

        // Nothing else is due at the same time: another worker gets nothing.
        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(10)).isEmpty)
        // A process not yet due is left alone.
        #expect(try await store.process("later") == later)
    }

    /// `claim` takes at most `limit` processes.
    public func claimRespectsLimit() async throws {
        let store = try await makeStore()
        for second in Int64(1)...5 {
            try await Fixture.create(store, ProcessID("p\(second)"), at: Fixture.t(second))
        }
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 0).isEmpty)
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 2).map(\.id) == ["p1", "p2"])
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 10).map(\.id) == ["p3", "p4", "p5"])
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 10).isEmpty)
    }

    /// `claim` takes running and waiting processes, never finished ones.
    public func claimSkipsFinishedProcesses() async throws {
        let store = try await makeStore()
        for id: ProcessID in ["completed", "failed", "cancelled", "waiting", "waiting-later", "running"] {
            try await Fixture.create(store, id, at: Fixture.t(0))
        }
        try await Fixture.drive(store, "completed", to: .completed, dueAt: nil, at: Fixture.t(1))
        try await Fixture.drive(store, "failed", to: .failed, dueAt: nil, at: Fixture.t(1), lastError: "boom")
        _ = try await store.execute(.cancel(reason: "stop"), on: "cancelled", now: Fixture.t(1))
        try await Fixture.drive(store, "waiting", to: .waiting, dueAt: Fixture.t(5), at: Fixture.t(1))
        try await Fixture.drive(store, "waiting-later", to: .waiting, dueAt: Fixture.t(50), at: Fixture.t(1))
        try await Fixture.drive(store, "running", to: .running, dueAt: Fixture.t(2), at: Fixture.t(1))

        let claimed = try await Fixture.claim(store, at: Fixture.t(10), lease: .seconds(3600))
        #expect(claimed.map(\.id) == ["running", "waiting"])
        #expect(claimed.map(\.status) == [.running, .waiting])
        #expect(try await Fixture.claim(store, at: Fixture.t(1000)).map(\.id) == ["waiting-later"])
    }

    /// One `claim` never returns a process twice, even with a zero lease.
    public func claimReturnsEachProcessOnce() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "a", at: Fixture.t(0))
        try await Fixture.create(store, "b", at: Fixture.t(1))
        let claimed = try await Fixture.claim(store, at: Fixture.t(10), limit: 10, lease: .zero)
        #expect(claimed.map(\.id) == ["a", "b"])
        #expect(claimed.map(\.leaseToken) == [1, 1])
        #expect(claimed.map(\.dueAt) == [Fixture.t(10), Fixture.t(10)])
    }

    /// `claim(only:force:)` takes the named process alone, when due or forced, never under another's valid lease.
    public func claimOnlyTakesTheNamedProcess() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "a", at: Fixture.t(0))
        try await Fixture.create(store, "b", at: Fixture.t(0))
        try await Fixture.create(store, "later", at: Fixture.t(100))

        // Not due: only with force.
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 1, only: "later").isEmpty)
        let forced = try await Fixture.claim(store, at: Fixture.t(10), limit: 1, only: "later", force: true)
        #expect(forced.map(\.id) == ["later"])
        #expect(forced.first?.leaseToken == 1)
        #expect(forced.first?.lease == .init(owner: "w1", expiresAt: Fixture.t(40)))
        // The other due processes were not taken.
        #expect(try await store.process("a")?.leaseToken == 0)
        #expect(try await store.process("b")?.leaseToken == 0)

        // Never while another worker's lease is valid, even forced; once it lapses, yes.
        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(39), limit: 1, only: "later", force: true).isEmpty)
        let takenOver = try await Fixture.claim(store, owner: "w2", at: Fixture.t(40), limit: 1, only: "later", force: true)
        #expect(takenOver.map(\.leaseToken) == [2])
        #expect(takenOver.first?.lease == .init(owner: "w2", expiresAt: Fixture.t(70)))

        // A due process needs no force.
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 1, only: "a").map(\.id) == ["a"])
        // Finished and unknown processes: nothing, even forced.
        _ = try await store.execute(.cancel(reason: "stop"), on: "b", now: Fixture.t(10))
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 1, only: "b", force: true).isEmpty)
        #expect(try await Fixture.claim(store, at: Fixture.t(10), limit: 1, only: "ghost", force: true).isEmpty)
    }

    /// A lapsed lease is taken over by another worker with a higher token; the first worker's save is rejected.
    public func expiredLeaseIsTakenOver() async throws {
        let store = try await makeStore()
        let created = try await Fixture.create(store, "p", at: Fixture.t(0))
        let first = try #require(try await Fixture.claim(store, owner: "w1", at: Fixture.t(0)).first)
        #expect(first.leaseToken == 1)
        #expect(first.lease == .init(owner: "w1", expiresAt: Fixture.t(30)))

        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(29)).isEmpty)
        let second = try #require(try await Fixture.claim(store, owner: "w2", at: Fixture.t(30)).first)
        #expect(second.id == "p")
        #expect(second.leaseToken == 2)
        #expect(second.lease == .init(owner: "w2", expiresAt: Fixture.t(60)))
        #expect(second.state == created.state)

        // The first worker comes back: its step is not written.
        let stale = Fixture.update(
            first, state: ["start:order.v1/charge"], data: Fixture.json(#"{"count":1}"#), status: .waiting,
            dueAt: Fixture.t(500), history: Fixture.entry(sequence: 1, at: Fixture.t(1), worker: "w1", leaseToken: 1),
            at: Fixture.t(31)
        )
        #expect(try await store.commit([stale]) == [.rejected])
        #expect(try await store.process("p") == second)
        #expect(try await store.history(of: "p") == [])

        // The second worker's step is.
        let current = Fixture.update(
            second, state: ["start:order.v1/charge"], status: .running, dueAt: Fixture.t(32), at: Fixture.t(32)
        )
        #expect(try await store.commit([current]) == [.saved])
        #expect(try await store.process("p")?.state == ["start:order.v1/charge"])
    }
}
