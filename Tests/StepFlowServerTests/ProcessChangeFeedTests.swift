import Foundation
import StepFlowRuntime
import StepFlowSQLite
import StepFlowTesting
import Testing
@testable import StepFlowServer

@Suite struct ProcessChangeFeedTests {
    /// A client of the fixture's flow over a real SQLite store (in a temporary directory), with a manual clock.
    static func sqliteClient(clock: ManualClock) throws -> StepFlowClient {
        StepFlowClient(store: try SQLiteProcessStore.temporary(), registry: try FlowRegistry([ServerFixture.flow]), clock: clock)
    }

    /// Starts process `id` of the fixture's flow.
    static func start(_ id: String, _ client: StepFlowClient) async throws {
        try await client.start(ServerFixture.flow, id: ProcessID(id), input: OrderInput(item: "book"))
    }

    @Test func aStepSeenDuringTheStreamIsReportedOnceInMemory() async throws {
        let fixture = try ServerFixture()
        try await stepsAreReportedOnce(fixture.client, fixture.clock)
    }

    @Test func aStepSeenDuringTheStreamIsReportedOnceInSQLite() async throws {
        let clock = ManualClock()
        try await stepsAreReportedOnce(try Self.sqliteClient(clock: clock), clock)
    }

    func stepsAreReportedOnce(_ client: StepFlowClient, _ clock: ManualClock) async throws {
        try await Self.start("o-1", client)
        try await Self.start("o-2", client)
        try await Self.start("o-4", client)
        let feed = ProcessChangeFeed(client: client, interval: .seconds(1))
        let start = await feed.start()
        // Nothing changed since the baseline.
        clock.advance(by: .seconds(1))
        let quiet = await feed.changes(after: start)
        #expect(quiet.changes.isEmpty)

        // A step of o-1 (in the millisecond of the baseline's read): the stream sees o-1 at its next step, and
        // nothing of o-2.
        _ = try await client.advance("o-1")
        clock.advance(by: .seconds(1))
        let stepped = await feed.changes(after: quiet.generation)
        #expect(stepped.changes.map(\.id) == ["o-1"])
        #expect(stepped.changes.first?.step == "order.v1/approvalAwaitSignal")
        #expect(stepped.changes.first?.stepCount == 1)
        #expect(stepped.changes.first?.frame.hasPrefix("event: process\ndata: {") == true)

        // Within the interval the store is not read again, and what was seen is not repeated.
        _ = try await client.advance("o-2")
        let early = await feed.changes(after: stepped.generation)
        #expect(early.changes.isEmpty)

        // The next read reports o-2's step; a process that finished (cancelled, with nothing to undo); and a new
        // one; o-1, read again within the overlap, is not repeated.
        try await client.cancel("o-4", reason: "test")
        try await Self.start("o-3", client)
        clock.advance(by: .seconds(1))
        let later = await feed.changes(after: early.generation)
        #expect(later.changes.map(\.id) == ["o-2", "o-3", "o-4"])
        #expect(later.changes.first { $0.id == "o-4" }?.status == "cancelled")
    }

    /// A read takes the processes changed within the overlap only: the processes that changed before are not read
    /// (nor kept) again, however many there are.
    @Test func aReadTakesOnlyTheProcessesChangedWithinTheOverlap() async throws {
        let clock = ManualClock()
        let client = try Self.sqliteClient(clock: clock)
        for index in 0..<20 { try await Self.start("old-\(index)", client) }
        try await Self.start("o-1", client)
        clock.advance(by: .seconds(3))
        let feed = ProcessChangeFeed(client: client, interval: .seconds(1), overlap: .seconds(2))
        let start = await feed.start()
        #expect(await feed.watched == 0)

        _ = try await client.advance("o-1")
        clock.advance(by: .seconds(1))
        let stepped = await feed.changes(after: start)
        #expect(stepped.changes.map(\.id) == ["o-1"])
        #expect(await feed.watched == 1)

        // Read again within the overlap, not reported again.
        clock.advance(by: .seconds(1))
        let again = await feed.changes(after: stepped.generation)
        #expect(again.changes.isEmpty)
        #expect(await feed.watched == 1)

        // Past the overlap: not read any more.
        clock.advance(by: .seconds(2))
        let past = await feed.changes(after: again.generation)
        #expect(past.changes.isEmpty)
        #expect(await feed.watched == 0)

        // Its next change is read and reported.
        try await client.pause("o-1", reason: "test")
        clock.advance(by: .seconds(1))
        let paused = await feed.changes(after: past.generation)
        #expect(paused.changes.map(\.status) == ["paused"])
    }

    /// A change that becomes visible after a read, with a time before it (a writer whose clock is a little behind,
    /// or whose transaction waited to commit), is reported by the next read; one older than the overlap is not.
    @Test func aChangeWithAnEarlierTimeIsReportedWithinTheOverlap() async throws {
        let clock = ManualClock()
        let client = try Self.sqliteClient(clock: clock)
        try await Self.start("o-1", client)
        try await Self.start("o-2", client)
        clock.advance(by: .seconds(10))
        let feed = ProcessChangeFeed(client: client, interval: .seconds(1), overlap: .seconds(2))
        let start = await feed.start()

        // Writers on the same store whose clocks are 0.5 s and 3 s behind the server's.
        let lateClock = ManualClock(start: clock.now.addingTimeInterval(-0.5))
        let late = StepFlowClient(store: client.store, registry: client.registry, clock: lateClock)
        let tooLateClock = ManualClock(start: clock.now.addingTimeInterval(-3))
        let tooLate = StepFlowClient(store: client.store, registry: client.registry, clock: tooLateClock)
        _ = try await late.advance("o-1")
        _ = try await tooLate.advance("o-2")
        clock.advance(by: .seconds(1))
        let changes = await feed.changes(after: start)
        #expect(changes.changes.map(\.id) == ["o-1"])
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
