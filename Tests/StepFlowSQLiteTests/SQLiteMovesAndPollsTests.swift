import MoveScenarios
import StepFlowRuntime
import StepFlowSQLite
import StepFlowTesting
import Testing

/// Rewind, migration and bounded poll history on a real SQLite file, with a manual clock.
@Suite struct SQLiteMovesAndPollsTests {
    func scenarios() throws -> DeployMoves {
        let clock = ManualClock()
        return DeployMoves(store: try SQLiteProcessStore.temporary(), clock: clock) { clock.advance(by: $0) }
    }

    @Test func aFailedRolloutIsRewoundToCreateDeployRequestAndCompletes() async throws {
        try await scenarios().rewindAFailedRolloutToCreateDeployRequest()
    }

    @Test func v1ProcessesCaughtAtEveryStepAreMigratedToV2AndComplete() async throws {
        try await scenarios().migrateV1ProcessesCaughtAtEveryStep()
    }

    @Test func aDayOfFiveSecondPollsLeavesAtMostThreeHistoryRows() async throws {
        let clock = ManualClock()
        try await PollHistoryCheck().run(on: try SQLiteProcessStore.temporary(), clock: clock) { clock.advance(by: $0) }
    }
}
