import Foundation
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `execute(.cancel)` stops an active process and moves its token on.
    public func cancelCommand() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "held", at: Fixture.t(0))
        try await Fixture.create(store, "idle", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0), limit: 1, only: "held").first)

        // A held process: cancelled, its lease dropped and its token moved on so the step in flight cannot save.
        let cancelled = try await store.execute(.cancel(reason: "customer asked"), on: "held", now: Fixture.t(5))
        var expected = claimed
        expected.status = .cancelled
        expected.lastError = "customer asked"
        expected.dueAt = nil
        expected.lease = nil
        expected.leaseToken = 2
        expected.updatedAt = Fixture.t(5)
        #expect(cancelled == expected)
        #expect(try await store.process("held") == expected)

        // Cancelling again changes nothing.
        #expect(try await store.execute(.cancel(reason: "again"), on: "held", now: Fixture.t(9)) == expected)
        #expect(try await store.process("held") == expected)

        // An idle process: token 0 becomes 1.
        let idle = try await store.execute(.cancel(reason: "stop"), on: "idle", now: Fixture.t(6))
        #expect(idle.status == .cancelled)
        #expect(idle.leaseToken == 1)
        #expect(idle.lastError == "stop")
        #expect(try await Fixture.claim(store, at: Fixture.t(1000)).isEmpty)
        #expect(try await store.nextDueDate() == nil)

        // Finished processes cannot be cancelled; unknown ones are not found.
        try await Fixture.create(store, "done", at: Fixture.t(0))
        try await Fixture.create(store, "failed", at: Fixture.t(0))
        let done = try await Fixture.drive(store, "done", to: .completed, dueAt: nil, at: Fixture.t(1))
        let failed = try await Fixture.drive(store, "failed", to: .failed, dueAt: nil, at: Fixture.t(1), lastError: "boom")
        await Fixture.expectError(.invalidCommand, processID: "done") {
            try await store.execute(.cancel(reason: "late"), on: "done", now: Fixture.t(7))
        }
        await Fixture.expectError(.invalidCommand, processID: "failed") {
            try await store.execute(.cancel(reason: "late"), on: "failed", now: Fixture.t(7))
        }
        await Fixture.expectError(.notFound, processID: "ghost") {
            try await store.execute(.cancel(reason: "late"), on: "ghost", now: Fixture.t(7))
        }
        #expect(try await store.process("done") == done)
        #expect(try await store.process("failed") == failed)
        #expect(try await store.process("ghost") == nil)
    }

    /// `execute(.wake)` makes an active process due now, unless a worker holds it.
    public func wakeCommand() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let waiting = try await Fixture.drive(store, "p", to: .waiting, dueAt: Fixture.t(600), at: Fixture.t(1), attempt: 3)

        var expected = waiting
        expected.dueAt = Fixture.t(10)
        expected.updatedAt = Fixture.t(10)
        #expect(try await store.execute(.wake, on: "p", now: Fixture.t(10)) == expected)
        #expect(try await store.process("p") == expected)
        #expect(try await store.nextDueDate() == Fixture.t(10))

        // Held by a worker whose lease is valid: the due time stays the lease's expiry.
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(10)).first)
        #expect(claimed.leaseToken == 2)
        let held = try await store.execute(.wake, on: "p", now: Fixture.t(20))
        #expect(held.dueAt == Fixture.t(40))
        #expect(held.lease == .init(owner: "w1", expiresAt: Fixture.t(40)))
        #expect(held.leaseToken == 2)
        #expect(held.status == .waiting)
        #expect(try await store.process("p") == held)
        #expect(try await Fixture.claim(store, owner: "w2", at: Fixture.t(20)).isEmpty)

        // Once the lease has lapsed, wake makes it due now.
        let lapsed = try await store.execute(.wake, on: "p", now: Fixture.t(50))
        #expect(lapsed.dueAt == Fixture.t(50))
        #expect(try await store.process("p") == lapsed)

        // Finished processes cannot be woken; unknown ones are not found.
        for (id, status) in [("done", ProcessStatus.completed), ("failed", .failed)] {
            try await Fixture.create(store, ProcessID(id), at: Fixture.t(0))
            let record = try await Fixture.drive(store, ProcessID(id), to: status, dueAt: nil, at: Fixture.t(1))
            await Fixture.expectError(.invalidCommand, processID: ProcessID(id)) {
                try await store.execute(.wake, on: ProcessID(id), now: Fixture.t(60))
            }
            #expect(try await store.process(ProcessID(id)) == record)
        }
        try await Fixture.create(store, "cancelled", at: Fixture.t(0))
        let cancelled = try await store.execute(.cancel(reason: "stop"), on: "cancelled", now: Fixture.t(1))
        await Fixture.expectError(.invalidCommand, processID: "cancelled") {
            try await store.execute(.wake, on: "cancelled", now: Fixture.t(60))
        }
        #expect(try await store.process("cancelled") == cancelled)
        await Fixture.expectError(.notFound, processID: "ghost") {
            try await store.execute(.wake, on: "ghost", now: Fixture.t(60))
        }
    }

    /// `execute(.resume)` makes a failed process running and due now.
    public func resumeCommand() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "f", at: Fixture.t(0))
        let failed = try await Fixture.drive(store, "f", to: .failed, dueAt: nil, at: Fixture.t(1), attempt: 3, lastError: "boom")
        #expect(try await Fixture.claim(store, at: Fixture.t(20)).isEmpty)

        var expected = failed
        expected.status = .running
        expected.dueAt = Fixture.t(20)
        expected.attempt = 0
        expected.lease = nil
        expected.updatedAt = Fixture.t(20)
        #expect(try await store.execute(.resume, on: "f", now: Fixture.t(20)) == expected)
        #expect(try await store.process("f") == expected)
        let claimed = try await Fixture.claim(store, at: Fixture.t(20))
        #expect(claimed.map(\.id) == ["f"])
        #expect(claimed.map(\.leaseToken) == [failed.leaseToken + 1])

        // Only failed processes can be resumed; unknown ones are not found.
        await Fixture.expectError(.invalidCommand, processID: "f") {
            try await store.execute(.resume, on: "f", now: Fixture.t(21))
        }
        try await Fixture.create(store, "done", at: Fixture.t(0))
        try await Fixture.drive(store, "done", to: .completed, dueAt: nil, at: Fixture.t(1))
        try await Fixture.create(store, "waiting", at: Fixture.t(0))
        try await Fixture.drive(store, "waiting", to: .waiting, dueAt: Fixture.t(500), at: Fixture.t(1))
        try await Fixture.create(store, "cancelled", at: Fixture.t(0))
        _ = try await store.execute(.cancel(reason: "stop"), on: "cancelled", now: Fixture.t(1))
        for id: ProcessID in ["done", "waiting", "cancelled"] {
            let before = try await store.process(id)
            await Fixture.expectError(.invalidCommand, processID: id) {
                try await store.execute(.resume, on: id, now: Fixture.t(21))
            }
            #expect(try await store.process(id) == before)
        }
        await Fixture.expectError(.notFound, processID: "ghost") {
            try await store.execute(.resume, on: "ghost", now: Fixture.t(21))
        }
    }

    /// `execute(_:onEach:now:by:)` applies the command to every process as `execute(_:on:now:by:)` does — fenced,
    /// with its history entry — and reports an unknown process and a refused command for their ids alone.
    public func executeOnEachProcess() async throws {
        let store = try await makeStore()
        for id: ProcessID in ["a", "held", "done", "b"] { try await Fixture.create(store, id, at: Fixture.t(0)) }
        let done = try await Fixture.drive(store, "done", to: .completed, dueAt: nil, at: Fixture.t(1))
        let doneHistory = try await store.history(of: "done")
        let idle = try #require(try await store.process("a"))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(2), limit: 1, only: "held").first)
        #expect(try await store.execute(.pause(reason: "none"), onEach: [], now: Fixture.t(3), by: "ops").isEmpty)

        let outcomes = try await store.execute(
            .pause(reason: "incident 7"), onEach: ["a", "ghost", "done", "held", "b"], now: Fixture.t(5), by: "ops"
        )
        try #require(outcomes.count == 5)
        // Every process the command applies to is paused, stored as returned, with its history entry.
        let applied: [(index: Int, id: ProcessID)] = [(0, "a"), (3, "held"), (4, "b")]
        for (index, id) in applied {
            let record = try outcomes[index].get()
            #expect(record.id == id)
            #expect(record.status == .paused)
            #expect(try await store.process(id) == record)
            let history = try await store.history(of: id)
            #expect(history.map(\.outcome) == [.paused])
            #expect(history.map(\.worker) == ["ops"])
            #expect(history.map(\.reason) == ["incident 7"])
            #expect(history.map(\.startedAt) == [Fixture.t(5)])
        }
        // Fenced: the worker holding "held" cannot save its step; the idle process's token moved on too.
        let heldPaused = try outcomes[3].get()
        #expect(heldPaused.lease == nil)
        #expect(heldPaused.leaseToken == claimed.leaseToken + 1)
        #expect(heldPaused.dueAt == Fixture.t(5), "the interrupted step is due again at the pause")
        #expect(try outcomes[0].get().leaseToken == idle.leaseToken + 1)
        let save = Fixture.update(claimed, state: ["start:order.v1/charge"], status: .running, dueAt: Fixture.t(6), at: Fixture.t(6))
        #expect(try await store.commit([save]) == [.rejected])
        #expect(try await store.process("held") == heldPaused)
        // The unknown process and the refused command are reported for their ids; nothing is stored for them.
        let refused: [(index: Int, id: ProcessID, code: ProcessStoreError.Code)] = [(1, "ghost", .notFound), (2, "done", .invalidCommand)]
        for (index, id, code) in refused {
            switch outcomes[index] {
            case .success(let record): Issue.record("\(id) should have been refused, got \(record)")
            case .failure(let error):
                #expect(error.code == code, "\(error)")
                #expect(error.processID == id)
            }
        }
        #expect(try await store.process("ghost") == nil)
        #expect(try await store.process("done") == done)
        #expect(try await store.history(of: "done") == doneHistory)

        // A batch that leaves processes due wakes idle workers; each process is due at its kept time.
        let wakeUps = store.wakeUps()
        let unpaused = try await store.execute(.unpause, onEach: ["a", "held"], now: Fixture.t(10), by: "ops")
        #expect(unpaused.map { try? $0.get().status } == [.running, .running])
        #expect(await Fixture.yields(wakeUps), "a subscriber should be woken when a batch leaves processes due")
        #expect(try await Fixture.claim(store, at: Fixture.t(10)).map(\.id) == ["a", "held"])
        #expect(try await store.history(of: "a").map(\.outcome) == [.paused, .unpaused])
        #expect(try await store.process("b")?.status == .paused)
    }
}
