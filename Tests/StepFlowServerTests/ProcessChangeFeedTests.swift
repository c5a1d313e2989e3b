import Foundation
import StepFlowRuntime
import Testing
@testable import StepFlowServer

@Suite struct ProcessChangeFeedTests {
    @Test func aStepSeenDuringTheStreamIsReportedOnce() async throws {
        let fixture = try ServerFixture()
        try await fixture.start("o-1")
        try await fixture.start("o-2")
        try await fixture.start("o-4")
        let feed = ProcessChangeFeed(client: fixture.client, interval: .seconds(1))
        let start = await feed.start()
        // Nothing changed since the baseline.
        fixture.clock.advance(by: .seconds(1))
        let quiet = await feed.changes(after: start)
        #expect(quiet.changes.isEmpty)

        // A step of o-1: the stream sees o-1 at its next step, and nothing of o-2.
        _ = try await fixture.client.advance("o-1")
        fixture.clock.advance(by: .seconds(1))
        let stepped = await feed.changes(after: quiet.generation)
        #expect(stepped.changes.map(\.id) == ["o-1"])
        #expect(stepped.changes.first?.step == "order.v1/approvalAwaitSignal")
        #expect(stepped.changes.first?.stepCount == 1)

        // Within the interval the store is not read again, and what was seen is not repeated.
        _ = try await fixture.client.advance("o-2")
        let early = await feed.changes(after: stepped.generation)
        #expect(early.changes.isEmpty)

        // The next read reports o-2's step; a process that finished (cancelled, with nothing to undo) though it left
        // the active pages; and a new one.
        try await fixture.client.cancel("o-4", reason: "test")
        try await fixture.start("o-3")
        fixture.clock.advance(by: .seconds(1))
        let later = await feed.changes(after: early.generation)
        #expect(later.changes.map(\.id) == ["o-2", "o-3", "o-4"])
        #expect(later.changes.first { $0.id == "o-4" }?.status == "cancelled")
    }

    @Test func changesMatchTheStreamsFilter() {
        let record = ProcessRecord(
            id: "a", flowName: "f.v1", state: [], input: Data(), data: Data(), status: .running, dueAt: nil,
            createdAt: Date(), updatedAt: Date()
        )
        let change = ProcessChange(record, step: nil)
        #expect(change.matches(flow: nil, process: nil))
        #expect(change.matches(flow: "f.v1", process: nil))
        #expect(!change.matches(flow: "g.v1", process: nil))
        #expect(change.matches(flow: nil, process: "a"))
        #expect(!change.matches(flow: "f.v1", process: "b"))
    }
}
