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

    /// Two hours of polls (1,440 commits; the memory store's test polls for a day, and the conformance suite checks
    /// the store's merge rule itself): `synchronous = NORMAL` keeps the test from waiting for the disk at each commit.
    @Test func twoHoursOfFiveSecondPollsLeaveAtMostThreeHistoryRows() async throws {
        let clock = ManualClock()
        let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .normal))
        try await PollHistoryCheck(waitDuration: .seconds(7200)).run(on: store, clock: clock) { clock.advance(by: $0) }
    }
}
