import Foundation
import StepFlow
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `create` stores a new process once and returns the stored record on later calls.
    public func createIsIdempotent() async throws {
        let store = try await makeStore()
        let new = Fixture.newProcess("order-1", at: Fixture.t(0), state: ["start:order.v1/charge"])
        let first = try await store.create(new)
        let expected = ProcessRecord(
            id: "order-1", flowName: "order.v1", state: ["start:order.v1/charge"], input: Fixture.json(#"{"order":1}"#),
            data: Fixture.json(#"{"count":0}"#), status: .running, dueAt: Fixture.t(0), stepCount: 0, attempt: 0,
            lastError: nil, createdAt: Fixture.t(0), updatedAt: Fixture.t(0), lease: nil, leaseToken: 0
        )
        #expect(first.created)
        #expect(first.record == expected)
        #expect(try await store.process("order-1") == expected)
        #expect(try await store.process("order-2") == nil)

        // The same id again, with other values: nothing changes, the stored record comes back.
        var again = new
        again.input = Fixture.json(#"{"order":2}"#)
        again.data = Fixture.json(#"{"count":9}"#)
        again.state = FlowState()
        again.now = Fixture.t(60)
        let second = try await store.create(again)
        #expect(!second.created)
        #expect(second.record == expected)
        #expect(try await store.process("order-1") == expected)

        // Once the process has moved on, `create` returns it as it is now.
        let claimed = try await Fixture.claim(store, at: Fixture.t(1))
        let third = try await store.create(again)
        #expect(!third.created)
        #expect(third.record == claimed.first)
        #expect(third.record.leaseToken == 1)
    }

    /// `create` of many processes creates the new ones, returns the existing ones unchanged, in order; a conflict
    /// anywhere throws.
    public func createManyInOneCall() async throws {
        let store = try await makeStore()
        let existing = try await Fixture.create(store, "b", at: Fixture.t(0))
        // One call, one time (a store with a server clock creates a batch at its one time).
        let results = try await store.create([
            Fixture.newProcess("c", at: Fixture.t(2)),
            Fixture.newProcess("b", at: Fixture.t(2)),
            Fixture.newProcess("a", at: Fixture.t(2)),
        ])
        #expect(results.map(\.record.id) == ["c", "b", "a"])
        #expect(results.map(\.created) == [true, false, true])
        #expect(results[1].record == existing)
        #expect(results[2].record.dueAt == Fixture.t(2))
        #expect(results[0].record.createdAt == Fixture.t(2))
        #expect(try await store.processes(ProcessQuery()).map(\.id) == ["a", "b", "c"])
        #expect(try await store.create([]).isEmpty)
        await Fixture.expectError(.conflict, processID: "a") {
            try await store.create([Fixture.newProcess("d", at: Fixture.t(3)), Fixture.newProcess("a", flow: "order.v2", at: Fixture.t(3))])
        }
        #expect(try await store.process("d") == nil, "a batch with a conflict creates nothing")
    }

    /// `create` with an existing id and another flow throws `.conflict` and changes nothing.
    public func createConflictsOnAnotherFlow() async throws {
        let store = try await makeStore()
        let original = try await Fixture.create(store, "order-1", at: Fixture.t(0))
        await Fixture.expectError(.conflict, processID: "order-1") {
            try await store.create(Fixture.newProcess("order-1", flow: "order.v2", at: Fixture.t(5)))
        }
        #expect(try await store.process("order-1") == original)
        #expect(try await store.processes(ProcessQuery()).map(\.id) == ["order-1"])
    }

    /// `processes` filters by flow and statuses, orders by id, and pages with `limit` and `after`.
    public func listFiltersAndPages() async throws {
        let store = try await makeStore()
        #expect(try await store.processes(ProcessQuery()).isEmpty)
        // Created out of order, so that ordering by id is not insertion order.
        try await Fixture.create(store, "c", at: Fixture.t(1))
        try await Fixture.create(store, "a", at: Fixture.t(2))
        try await Fixture.create(store, "e", flow: "refund.v1", at: Fixture.t(3))
        try await Fixture.create(store, "b", at: Fixture.t(4))
        try await Fixture.create(store, "d", flow: "refund.v1", at: Fixture.t(5))
        try await Fixture.drive(store, "b", to: .completed, dueAt: nil, at: Fixture.t(10))
        try await Fixture.drive(store, "e", to: .waiting, dueAt: Fixture.t(100), at: Fixture.t(10))
        _ = try await store.execute(.cancel(reason: "no longer needed"), on: "d", now: Fixture.t(11))

        func ids(_ query: ProcessQuery) async throws -> [ProcessID] {
            try await store.processes(query).map(\.id)
        }
        #expect(try await ids(ProcessQuery()) == ["a", "b", "c", "d", "e"])
        #expect(try await ids(ProcessQuery(flowName: "order.v1")) == ["a", "b", "c"])
        #expect(try await ids(ProcessQuery(flowName: "refund.v1")) == ["d", "e"])
        #expect(try await ids(ProcessQuery(flowName: "unknown.v1")) == [])
        #expect(try await ids(ProcessQuery(statuses: [.running])) == ["a", "c"])
        #expect(try await ids(ProcessQuery(statuses: [.waiting])) == ["e"])
        #expect(try await ids(ProcessQuery(statuses: [.completed, .cancelled])) == ["b", "d"])
        #expect(try await ids(ProcessQuery(statuses: [.failed])) == [])
        #expect(try await ids(ProcessQuery(statuses: [])) == [])
        #expect(try await ids(ProcessQuery(flowName: "refund.v1", statuses: [.waiting, .running])) == ["e"])
        #expect(try await ids(ProcessQuery(limit: 2)) == ["a", "b"])
        #expect(try await ids(ProcessQuery(limit: 2, after: "b")) == ["c", "d"])
        #expect(try await ids(ProcessQuery(limit: 2, after: "d")) == ["e"])
        #expect(try await ids(ProcessQuery(limit: 2, after: "e")) == [])
        #expect(try await ids(ProcessQuery(after: "bb")) == ["c", "d", "e"])
        #expect(try await ids(ProcessQuery(statuses: [.running, .waiting], after: "a")) == ["c", "e"])

        // Listed records are the stored records, every field included.
        for record in try await store.processes(ProcessQuery()) {
            #expect(try await store.process(record.id) == record)
        }
    }
}
