import Foundation
import StepFlow
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `commit` with the current token saves every field and releases the lease.
    public func commitSavesWithCurrentToken() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0)).first)
        let entry = Fixture.entry(sequence: 1, at: Fixture.t(0, ms: 7), leaseToken: 1)
        let update = ProcessUpdate(
            id: "p", flowName: "order.v1", leaseToken: 1, state: ["start:order.v1/charge"], data: Fixture.json(#"{"count":1}"#),
            status: .waiting, dueAt: Fixture.t(90), stepCount: 1, attempt: 2, lastError: "not yet",
            history: entry, now: Fixture.t(5, ms: 250)
        )
        #expect(try await store.commit([update]) == [.saved])
        let expected = ProcessRecord(
            id: "p", flowName: Fixture.flow, state: ["start:order.v1/charge"], input: claimed.input,
            data: Fixture.json(#"{"count":1}"#), status: .waiting, dueAt: Fixture.t(90), stepCount: 1, attempt: 2,
            lastError: "not yet", createdAt: Fixture.t(0), updatedAt: Fixture.t(5, ms: 250), lease: nil, leaseToken: 1
        )
        #expect(try await store.process("p") == expected)
        #expect(try await store.history(of: "p") == [entry])

        // Due again at the saved due time, with a new token.
        #expect(try await Fixture.claim(store, at: Fixture.t(89)).isEmpty)
        let next = try #require(try await Fixture.claim(store, at: Fixture.t(90)).first)
        #expect(next.leaseToken == 2)

        // Finishing clears the due time and the last error.
        let finish = Fixture.update(
            next, state: ["completed:order.v1/charge"], status: .completed, dueAt: nil, lastError: nil, at: Fixture.t(91)
        )
        #expect(try await store.commit([finish]) == [.saved])
        let finished = try #require(try await store.process("p"))
        #expect(finished.status == .completed)
        #expect(finished.dueAt == nil)
        #expect(finished.lastError == nil)
        #expect(finished.lease == nil)
        #expect(finished.stepCount == 2)
        #expect(finished.attempt == 0)
        #expect(try await store.nextDueDate() == nil)
        #expect(try await Fixture.claim(store, at: Fixture.t(10_000)).isEmpty)
    }

    /// `commit` with a token that is not the current one saves nothing.
    public func commitRejectsStaleToken() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0)).first)
        let entry = Fixture.entry(sequence: 1, at: Fixture.t(1), leaseToken: 1)
        func attempt(token: Int64) -> ProcessUpdate {
            Fixture.update(
                claimed, token: token, state: ["start:order.v1/charge"], data: Fixture.json(#"{"count":5}"#),
                status: .completed, dueAt: nil, history: entry, at: Fixture.t(1)
            )
        }
        #expect(try await store.commit([attempt(token: 0), attempt(token: 2), attempt(token: -1)]) == [.rejected, .rejected, .rejected])
        #expect(try await store.process("p") == claimed)
        #expect(try await store.history(of: "p") == [])

        // An update for an unknown process is rejected too.
        var ghost = attempt(token: 1)
        ghost.id = "ghost"
        #expect(try await store.commit([ghost]) == [.rejected])
        #expect(try await store.process("ghost") == nil)
        #expect(try await store.history(of: "ghost") == [])
    }

    /// `commit` after a cancellation saves nothing, with the old token or the new one.
    public func commitRejectsAfterCancel() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0)).first)
        let cancelled = try await store.execute(.cancel(reason: "customer asked"), on: "p", now: Fixture.t(2))
        #expect(cancelled.leaseToken == 2)

        let entry = Fixture.entry(sequence: 1, at: Fixture.t(1), leaseToken: 1)
        for token: Int64 in [1, 2] {
            let late = Fixture.update(
                claimed, token: token, state: ["start:order.v1/charge"], status: .running, dueAt: Fixture.t(3),
                history: entry, at: Fixture.t(3)
            )
            #expect(try await store.commit([late]) == [.rejected])
        }
        #expect(try await store.process("p") == cancelled)
        // Only the cancellation's own entry: nothing of the rejected saves.
        #expect(try await store.history(of: "p").map(\.outcome) == [.cancelled])
    }

    /// `commit` on a finished process saves nothing.
    public func commitRejectsFinishedProcess() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0)).first)
        let done = Fixture.update(claimed, state: ["completed:order.v1/charge"], status: .completed, dueAt: nil, at: Fixture.t(1))
        #expect(try await store.commit([done]) == [.saved])
        let finished = try await store.process("p")

        let again = Fixture.update(
            claimed, state: ["start:order.v1/refund"], status: .running, dueAt: Fixture.t(2),
            history: Fixture.entry(sequence: 2, at: Fixture.t(2), leaseToken: 1), at: Fixture.t(2)
        )
        #expect(try await store.commit([again]) == [.rejected])
        #expect(try await store.process("p") == finished)
        #expect(try await store.history(of: "p") == [])
    }

    /// `commit` after the lease lapsed, while no one took the process over, still saves (fencing is by token).
    public func commitAfterLapsedLeaseSaves() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        let claimed = try #require(try await Fixture.claim(store, at: Fixture.t(0)).first)
        let late = Fixture.update(claimed, state: ["start:order.v1/charge"], status: .running, dueAt: Fixture.t(45), at: Fixture.t(45))
        #expect(try await store.commit([late]) == [.saved])
        let record = try #require(try await store.process("p"))
        #expect(record.state == ["start:order.v1/charge"])
        #expect(record.lease == nil)
        #expect(record.leaseToken == 1)
    }

    /// One `commit` saves many updates; each saved or rejected on its own, outcomes in order.
    public func commitBatchWithMixedOutcomes() async throws {
        let store = try await makeStore()
        for (second, id) in zip(Int64(0)..., ["a", "b", "c", "d"] as [ProcessID]) {
            try await Fixture.create(store, id, at: Fixture.t(second))
        }
        let claimed = try await Fixture.claim(store, owner: "w1", at: Fixture.t(10))
        #expect(claimed.map(\.id) == ["a", "b", "c", "d"])
        let held = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
        // b is taken over by w2 once w1's lease lapses; c is cancelled.
        let takenOver = try #require(try await Fixture.claim(store, owner: "w2", at: Fixture.t(40), limit: 1, only: "b").first)
        let cancelled = try await store.execute(.cancel(reason: "stop"), on: "c", now: Fixture.t(40))

        func step(_ record: ProcessRecord) -> ProcessUpdate {
            let id = record.id
            return Fixture.update(
                record, state: ["start:\(id)/one"], data: Fixture.json(#"{"step":"\#(id)"}"#), status: .waiting,
                dueAt: Fixture.t(100), history: Fixture.entry(sequence: 1, at: Fixture.t(41), stepPath: "\(id)/one", leaseToken: 1),
                at: Fixture.t(41)
            )
        }
        var ghost = try #require(held["a"])
        ghost.id = "ghost"
        let updates = try ["a", "b", "c", "d"].map { step(try #require(held[ProcessID($0)])) } + [step(ghost)]
        #expect(try await store.commit(updates) == [.saved, .rejected, .rejected, .saved, .rejected])

        for (id, update) in [("a", updates[0]), ("d", updates[3])] {
            let record = try #require(try await store.process(ProcessID(id)))
            #expect(record.state == update.state)
            #expect(record.data == update.data)
            #expect(record.status == .waiting)
            #expect(record.dueAt == Fixture.t(100))
            #expect(record.lease == nil)
            #expect(try await store.history(of: ProcessID(id)) == [update.history].compactMap { $0 })
        }
        #expect(try await store.process("b") == takenOver)
        #expect(try await store.process("c") == cancelled)
        #expect(try await store.process("ghost") == nil)
        // Nothing of the rejected saves (c has only its cancellation's entry).
        for id: ProcessID in ["b", "c", "ghost"] {
            #expect(try await store.history(of: id).filter { $0.outcome != .cancelled } == [])
        }
    }

    /// `commit` with a `nil` state or data keeps the stored one.
    public func commitWithNilKeepsStateAndData() async throws {
        let store = try await makeStore()
        _ = try await store.create(Fixture.newProcess("p", at: Fixture.t(0), state: ["start:order.v1/charge"], data: #"{"n":1}"#))

        var record = try #require(try await Fixture.claim(store, at: Fixture.t(0)).first)
        #expect(try await store.commit([
            Fixture.update(record, state: nil, data: nil, status: .running, dueAt: Fixture.t(1), attempt: 1, lastError: "retry", at: Fixture.t(1))
        ]) == [.saved])
        var saved = try #require(try await store.process("p"))
        #expect(saved.state == ["start:order.v1/charge"])
        #expect(saved.data == Fixture.json(#"{"n":1}"#))
        #expect(saved.attempt == 1)
        #expect(saved.lastError == "retry")
        #expect(saved.stepCount == 1)

        record = try #require(try await Fixture.claim(store, at: Fixture.t(1)).first)
        #expect(try await store.commit([
            Fixture.update(record, state: ["completed:order.v1/charge"], data: nil, status: .running, dueAt: Fixture.t(2), at: Fixture.t(2))
        ]) == [.saved])
        saved = try #require(try await store.process("p"))
        #expect(saved.state == ["completed:order.v1/charge"])
        #expect(saved.data == Fixture.json(#"{"n":1}"#))

        record = try #require(try await Fixture.claim(store, at: Fixture.t(2)).first)
        #expect(try await store.commit([
            Fixture.update(record, state: nil, data: Fixture.json(#"{"n":2}"#), status: .running, dueAt: Fixture.t(3), at: Fixture.t(3))
        ]) == [.saved])
        saved = try #require(try await store.process("p"))
        #expect(saved.state == ["completed:order.v1/charge"])
        #expect(saved.data == Fixture.json(#"{"n":2}"#))
        #expect(saved.stepCount == 3)

        // A nil step count keeps the stored one (a record that could not be read is failed this way).
        record = try #require(try await Fixture.claim(store, at: Fixture.t(3)).first)
        var unreadable = Fixture.update(record, status: .failed, dueAt: nil, lastError: "corrupt", at: Fixture.t(4))
        unreadable.stepCount = nil
        #expect(try await store.commit([unreadable]) == [.saved])
        saved = try #require(try await store.process("p"))
        #expect(saved.stepCount == 3)
        #expect(saved.status == .failed)
        #expect(saved.state == ["completed:order.v1/charge"])
    }

    /// `commit` saves error texts holding U+0000 with the rest of its batch; U+0000 may read back as U+FFFD.
    public func commitSavesErrorTextWithNUL() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p1", at: Fixture.t(0))
        try await Fixture.create(store, "p2", at: Fixture.t(0))
        let claimed = try await Fixture.claim(store, at: Fixture.t(0))
        try #require(claimed.count == 2)
        let error = "exit status 1: \u{0}\u{1}binary\u{0}"
        let updates = claimed.map { record in
            Fixture.update(
                record, state: ["start:order.v1/charge"], status: .running, dueAt: Fixture.t(60), attempt: 1,
                lastError: error, history: Fixture.entry(
                    sequence: 1, at: Fixture.t(1), outcome: .retried, error: error, leaseToken: record.leaseToken
                ), at: Fixture.t(1)
            )
        }
        #expect(try await store.commit(updates) == [.saved, .saved])
        let readable = [error, error.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")]
        for id: ProcessID in ["p1", "p2"] {
            let saved = try #require(try await store.process(id))
            #expect(saved.lastError.map(readable.contains) == true, "\(String(describing: saved.lastError?.unicodeScalars.map(\.value)))")
            #expect(try await store.history(of: id).first?.error.map(readable.contains) == true)
        }
        // A cancel reason is such a text too.
        try await Fixture.create(store, "p3", at: Fixture.t(0))
        let cancelled = try await store.execute(.cancel(reason: error), on: "p3", now: Fixture.t(2))
        #expect(cancelled.status == .cancelled)
        #expect(try await store.process("p3")?.lastError.map(readable.contains) == true)
    }

    /// History entries come back oldest first, every field equal.
    public func historyRoundTrips() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        try await Fixture.create(store, "q", at: Fixture.t(0))
        #expect(try await store.history(of: "p") == [])
        #expect(try await store.history(of: "ghost") == [])

        let tricky: FlowState = [
            "start:order.v1/charge", #"completed:order.v1/"quoted" \ back/slash"#, "start:ünïcödé/✓/😀", "",
        ]
        let durations: [Duration] = [
            .microseconds(1_234_567), .zero, .seconds(3600), .milliseconds(1), .microseconds(1), .seconds(86_400 * 3),
        ]
        var expected: [HistoryEntry] = []
        var before = FlowState()
        for (index, outcome) in HistoryEntry.Outcome.allCases.enumerated() {
            let record = try #require(try await Fixture.claim(store, owner: "worker-\(index)", at: Fixture.t(Int64(index) * 100), only: "p", force: true).first)
            let after: FlowState = index == 1 ? tricky : FlowState(events: before.events + ["start:order.v1/step\(index)"])
            let entry = HistoryEntry(
                sequence: index + 1,
                startedAt: Fixture.t(Int64(index) * 100, ms: Int64(index) * 111 + 1),
                stepPath: index == 2 ? nil : "order.v1/step\(index)",
                before: before,
                after: after,
                duration: durations[index % durations.count],
                outcome: outcome,
                error: outcome == .failed || outcome == .retried ? "step \(index) failed: \"quoted\"\nsecond line ✗" : nil,
                worker: "worker-\(index)",
                leaseToken: record.leaseToken
            )
            let outcomeOfCommit = try await store.commit([
                Fixture.update(record, state: after, status: .running, dueAt: Fixture.t(Int64(index) * 100 + 1), history: entry, at: entry.startedAt)
            ])
            #expect(outcomeOfCommit == [.saved])
            expected.append(entry)
            before = after
        }
        // Another process's history stays apart.
        let other = try #require(try await Fixture.claim(store, at: Fixture.t(1000), only: "q").first)
        let otherEntry = Fixture.entry(sequence: 1, at: Fixture.t(1000), worker: "w1", leaseToken: other.leaseToken)
        #expect(try await store.commit([Fixture.update(other, status: .running, dueAt: Fixture.t(2000), history: otherEntry, at: Fixture.t(1000))]) == [.saved])

        let history = try await store.history(of: "p")
        #expect(history == expected)
        #expect(history.map(\.duration) == expected.map(\.duration))
        #expect(history.map(\.startedAt) == expected.map(\.startedAt))
        #expect(history.map(\.before.events) == expected.map(\.before.events))
        #expect(history.map(\.after.events) == expected.map(\.after.events))
        #expect(try await store.history(of: "q") == [otherEntry])
    }

    /// `commit(_:thenClaim:)` saves as `commit` does, then claims as `claim` does, and the claim sees the saves.
    public func commitThenClaimSeesTheSaves() async throws {
        let store = try await makeStore()
        for (second, id) in zip(Int64(0)..., ["a", "b", "c", "d"] as [ProcessID]) {
            try await Fixture.create(store, id, at: Fixture.t(second))
        }
        let held = try await Fixture.claim(store, at: Fixture.t(10), limit: 2)
        #expect(held.map(\.id) == ["a", "b"])
        let (a, b) = (held[0], held[1])
        func request(at now: Date, limit: Int) -> ClaimRequest {
            ClaimRequest(owner: "w1", now: now, leaseDuration: Fixture.lease, limit: limit)
        }

        // a is saved due before c and d; b's save has a stale token and b stays leased.
        let entry = Fixture.entry(sequence: 1, at: Fixture.t(11), leaseToken: 1)
        let first = try await store.commit([
            Fixture.update(
                a, state: ["start:order.v1/charge"], data: Fixture.json(#"{"count":1}"#), status: .running,
                dueAt: Fixture.t(1), history: entry, at: Fixture.t(11)
            ),
            Fixture.update(b, token: 7, state: ["start:order.v1/refund"], status: .running, dueAt: Fixture.t(0), at: Fixture.t(11)),
        ], thenClaim: request(at: Fixture.t(11), limit: 10))
        #expect(first.outcomes == [.saved, .rejected])
        #expect(first.claimed.map(\.id) == ["a", "c", "d"])
        for process in first.claimed {
            let record = try process.record.get()
            #expect(record.leaseToken == process.leaseToken)
            #expect(try await store.process(process.id) == record)
            #expect(record.lease == .init(owner: "w1", expiresAt: Fixture.t(41)))
        }
        let again = try first.claimed[0].record.get()
        #expect(again.leaseToken == 2)
        #expect(again.state == ["start:order.v1/charge"])
        #expect(again.data == Fixture.json(#"{"count":1}"#))
        #expect(again.stepCount == 1)
        #expect(try await store.history(of: "a") == [entry])
        #expect(try await store.process("b") == b)
        #expect(try await store.history(of: "b") == [])

        // A limit of 0 claims nothing and still saves.
        let second = try await store.commit(
            [Fixture.update(again, state: ["completed:order.v1"], status: .completed, dueAt: nil, at: Fixture.t(12))],
            thenClaim: request(at: Fixture.t(100), limit: 0)
        )
        #expect(second.outcomes == [.saved])
        #expect(second.claimed.isEmpty)
        #expect(try await store.process("a")?.status == .completed)

        // No updates: a claim alone, in due order, at most `limit`.
        let third = try await store.commit([], thenClaim: request(at: Fixture.t(100), limit: 2))
        #expect(third.outcomes == [])
        #expect(third.claimed.map(\.id) == ["b", "c"])
        #expect(third.claimed.map(\.leaseToken) == [2, 2])
    }
}
