import Foundation
import MoveScenarios
import StepFlowPostgres
import StepFlowRuntime
import StepFlowTesting
import Testing

/// Rewind, migration and bounded poll history on PostgreSQL, with the server's clock and the worker's moved together
/// by the test (``TestTime``).
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresMovesAndPollsTests {
    /// The test's time, moved from the scenarios' closures.
    actor Time {
        var time: TestTime
        init(_ time: TestTime) { self.time = time }
        func advance(by duration: Duration) async throws {
            var moved = time  // an actor's property cannot be passed inout to an async call
            try await moved.advance(by: duration)
            time = moved
        }
    }

    func withScenarios(_ body: (DeployMoves) async throws -> Void) async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let testTime = try await TestTime(store, in: session, start: Date(timeIntervalSince1970: 1_767_225_600))
            let clock = testTime.machine(.zero)
            let time = Time(testTime)
            try await body(DeployMoves(store: store, clock: clock) { try await time.advance(by: $0) })
        }
    }

    @Test func aFailedRolloutIsRewoundToCreateDeployRequestAndCompletes() async throws {
        try await withScenarios { try await $0.rewindAFailedRolloutToCreateDeployRequest() }
    }

    @Test func v1ProcessesCaughtAtEveryStepAreMigratedToV2AndComplete() async throws {
        try await withScenarios { try await $0.migrateV1ProcessesCaughtAtEveryStep() }
    }

    /// An hour of polls (720 round trips of a worker and the server's clock; the memory store's test polls for a
    /// day, and the conformance suite checks the store's merge rule itself).
    @Test func anHourOfFiveSecondPollsLeavesAtMostThreeHistoryRows() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let testTime = try await TestTime(store, in: session, start: Date(timeIntervalSince1970: 1_767_225_600))
            let time = Time(testTime)
            try await PollHistoryCheck(waitDuration: .seconds(3600)).run(on: store, clock: testTime.machine(.zero)) {
                try await time.advance(by: $0)
            }
        }
    }
}
