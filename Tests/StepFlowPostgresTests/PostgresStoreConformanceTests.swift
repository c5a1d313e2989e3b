import StepFlowRuntime
import StepFlowTesting
import Testing

/// The store conformance suite, run against ``PostgresProcessStore`` on the test server: every store the suite
/// makes gets a new schema (see ``TestDatabase``).
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresStoreConformanceTests {
    @Test(arguments: ProcessStoreConformance.Check.allCases)
    func conformance(_ check: ProcessStoreConformance.Check) async throws {
        try await TestDatabase.withClient { session in
            try await ProcessStoreConformance { try await session.makeStore() }.run(check)
        }
    }
}
