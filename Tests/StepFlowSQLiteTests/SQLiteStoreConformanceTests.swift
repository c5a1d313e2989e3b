import StepFlowRuntime
import StepFlowSQLite
import StepFlowTesting
import Testing

/// The store conformance suite, run against ``SQLiteProcessStore`` on a real file in a temporary directory.
@Suite struct SQLiteStoreConformanceTests {
    @Test(arguments: ProcessStoreConformance.Check.allCases)
    func conformance(_ check: ProcessStoreConformance.Check) async throws {
        try await ProcessStoreConformance { try SQLiteProcessStore.temporary() }.run(check)
    }
}
