import Foundation
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `nextDueDate` and `dueCount` follow creates, claims, commits and cancellations.
    public func nextDueDateAndDueCount() async throws {
        let store = try await makeStore()
        #expect(try await store.nextDueDate() == nil)
        #expect(try await store.dueCount(now: Fixture.t(1000)) == 0)

        try await Fixture.create(store, "a", at: Fixture.t(5))
        try await Fixture.create(store, "b", at: Fixture.t(2))
        try await Fixture.create(store, "c", at: Fixture.t(9))
        #expect(try await store.nextDueDate() == Fixture.t(2))
        #expect(try await store.dueCount(now: Fixture.t(1)) == 0)
        #expect(try await store.dueCount(now: Fixture.t(2)) == 1)
        #expect(try await store.dueCount(now: Fixture.t(5)) == 2)
        #expect(try await store.dueCount(now: Fixture.t(100)) == 3)

        // A claim moves the due time to the lease's expiry.
        let b = try #require(try await Fixture.claim(store, at: Fixture.t(2), limit: 1).first)
        #expect(b.id == "b")
        #expect(try await store.nextDueDate() == Fixture.t(5))
        #expect(try await store.dueCount(now: Fixture.t(10)) == 2)
        #expect(try await store.dueCount(now: Fixture.t(32)) == 3)

        // Cancelled and finished processes are never due.
        _ = try await store.execute(.cancel(reason: "stop"), on: "a", now: Fixture.t(3))
        #expect(try await store.nextDueDate() == Fixture.t(9))
        #expect(try await store.commit([Fixture.update(b, status: .completed, dueAt: nil, at: Fixture.t(4))]) == [.saved])
        #expect(try await store.nextDueDate() == Fixture.t(9))
        #expect(try await store.dueCount(now: Fixture.t(100)) == 1)

        // A waiting process is due at its due time.
        try await Fixture.drive(store, "c", to: .waiting, dueAt: Fixture.t(7, ms: 500), at: Fixture.t(6))
        #expect(try await store.nextDueDate() == Fixture.t(7, ms: 500))
        #expect(try await store.dueCount(now: Fixture.t(7, ms: 499)) == 0)
        #expect(try await store.dueCount(now: Fixture.t(7, ms: 500)) == 1)

        _ = try await store.execute(.cancel(reason: "stop"), on: "c", now: Fixture.t(8))
        #expect(try await store.nextDueDate() == nil)
        #expect(try await store.dueCount(now: Fixture.t(1000)) == 0)
    }

    /// `wakeUps` yields to every subscriber after a create, a wake and a resume.
    public func wakeUpsAfterCreateWakeAndResume() async throws {
        let store = try await makeStore()

        let first = store.wakeUps()
        let second = store.wakeUps()
        try await Fixture.create(store, "a", at: Fixture.t(0))
        #expect(await Fixture.yields(first), "a subscriber should be woken when a process is created")
        #expect(await Fixture.yields(second), "every subscriber should be woken when a process is created")

        try await Fixture.drive(store, "a", to: .waiting, dueAt: Fixture.t(600), at: Fixture.t(1))
        let afterWake = store.wakeUps()
        _ = try await store.execute(.wake, on: "a", now: Fixture.t(2))
        #expect(await Fixture.yields(afterWake), "a subscriber should be woken when a process is woken")

        try await Fixture.drive(store, "a", to: .failed, dueAt: nil, at: Fixture.t(3), lastError: "boom")
        let afterResume = store.wakeUps()
        _ = try await store.execute(.resume, on: "a", now: Fixture.t(4))
        #expect(await Fixture.yields(afterResume), "a subscriber should be woken when a process is resumed")
    }
}
