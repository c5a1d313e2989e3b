import Foundation
import StepFlow
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// Bounded history: consecutive `waiting` entries of one step are one row (``HistoryEntry/absorbsPoll(_:)``),
    /// whether saved one per commit or in a batch with other processes; any other entry, another step's poll or a
    /// rejected save starts no merge and breaks none.
    public func historyMergesConsecutivePolls() async throws {
        let store = try await makeStore()
        try await Fixture.create(store, "p", at: Fixture.t(0))
        try await Fixture.create(store, "q", at: Fixture.t(0))
        let wait = "order.v1/paidWaitFor"
        var second: Int64 = 0

        /// Saves one step of each process in `ids` in one commit, at `second`, and returns the entries saved.
        @discardableResult
        func step(
            _ ids: [ProcessID], _ outcome: HistoryEntry.Outcome, path: String? = wait, duration: Duration = .milliseconds(3)
        ) async throws -> [HistoryEntry] {
            second += 5
            var updates: [ProcessUpdate] = []
            for id in ids {
                let record = try #require(
                    try await Fixture.claim(store, owner: "w\(second)", at: Fixture.t(second), only: id, force: true).first
                )
                let entry = Fixture.entry(
                    sequence: record.stepCount + 1, at: Fixture.t(second), stepPath: path, before: record.state,
                    after: ["start:\(wait)", "wait:\(second)"], duration: duration, outcome: outcome, worker: "w\(second)",
                    leaseToken: record.leaseToken
                )
                updates.append(Fixture.update(
                    record, state: entry.after, status: .waiting, dueAt: Fixture.t(second + 5), history: entry, at: Fixture.t(second)
                ))
            }
            #expect(try await store.commit(updates) == updates.map { _ in .saved })
            return updates.compactMap(\.history)
        }

        let advanced = try await step(["p"], .advanced, path: "order.v1/charge")[0]
        let firstPoll = try await step(["p"], .waiting)[0]
        for _ in 0..<8 { try await step(["p"], .waiting, duration: .milliseconds(1)) }
        // Polled in one batch with q's first poll: each process's poll goes to its own row.
        let batch = try await step(["p", "q"], .waiting)
        var history = try await store.history(of: "p")
        #expect(history.count == 2)
        #expect(history.first == advanced)
        let merged = try #require(history.last)
        #expect(merged.polls == 10)
        #expect(merged.sequence == firstPoll.sequence)
        #expect(merged.startedAt == firstPoll.startedAt)
        #expect(merged.lastPolledAt == batch[0].startedAt)
        #expect(merged.before == firstPoll.before)
        #expect(merged.after == batch[0].after)
        #expect(merged.duration == .milliseconds(3 + 8 + 3))
        #expect(merged.worker == batch[0].worker)
        #expect(merged.leaseToken == batch[0].leaseToken)
        #expect(merged.outcome == .waiting)
        #expect(try await store.history(of: "q").map(\.polls) == [1])
        #expect(try await store.history(of: "q").first?.lastPolledAt == nil)

        // The wait ends: its last poll is a row of its own, and a later wait of the same step starts a new row.
        try await step(["p"], .advanced)
        try await step(["p"], .waiting)
        try await step(["p"], .waiting)
        // Another step's poll, and a process waiting for a time (no step), are rows of their own.
        try await step(["p"], .waiting, path: "order.v1/shippedWaitFor")
        try await step(["p"], .waiting, path: nil)
        try await step(["p"], .waiting, path: nil)
        try await step(["p"], .retried)
        try await step(["p"], .waiting, path: nil)
        history = try await store.history(of: "p")
        #expect(history.map(\.polls) == [1, 10, 1, 2, 1, 2, 1, 1])
        #expect(history.map(\.outcome) == [.advanced, .waiting, .advanced, .waiting, .waiting, .waiting, .retried, .waiting])
        #expect(history.map(\.sequence) == history.map(\.sequence).sorted())

        // A rejected save merges nothing.
        let stale = try #require(try await Fixture.claim(store, owner: "late", at: Fixture.t(second + 1), only: "p", force: true).first)
        _ = try await store.execute(.cancel(reason: "stop"), on: "p", now: Fixture.t(second + 2))
        let rejected = Fixture.entry(
            sequence: stale.stepCount + 1, at: Fixture.t(second + 3), stepPath: nil, outcome: .waiting, leaseToken: stale.leaseToken
        )
        #expect(try await store.commit([
            Fixture.update(stale, status: .waiting, dueAt: Fixture.t(second + 9), history: rejected, at: Fixture.t(second + 3))
        ]) == [.rejected])
        // The cancellation wrote its own entry; the rejected poll changed no row.
        let final = try await store.history(of: "p")
        #expect(Array(final.prefix(history.count)) == history)
        #expect(final.dropFirst(history.count).allSatisfy { $0.outcome == .cancelled })
    }
}
