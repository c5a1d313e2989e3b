import Foundation
import StepFlowRuntime
import StepFlowTesting
import Testing

/// The store conformance suite, run against ``PostgresProcessStore`` on the test server: every store the suite
/// makes gets a new schema (see ``TestDatabase``).
///
/// The store schedules by the server's clock and ignores the times its callers pass, while the suite drives every
/// store with fixed dates: each call first sets the schema's server clock to the time it passes
/// (``ServerTimeFollowingStore``), so the suite checks the store's real statements against the times it expects.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresStoreConformanceTests {
    @Test(arguments: ProcessStoreConformance.Check.allCases)
    func conformance(_ check: ProcessStoreConformance.Check) async throws {
        try await TestDatabase.withClient { session in
            try await ProcessStoreConformance {
                let store = try await session.makeStore()
                let clock = try await PinnedServerClock(store, in: session, start: Date(timeIntervalSince1970: 1_767_225_600))
                return ServerTimeFollowingStore(store: store, clock: clock)
            }.run(check)
        }
    }
}
