import StepFlowRuntime
import StepFlowTesting
import Testing

/// The store conformance suite, run against ``MemoryProcessStore``: one test case per check.
@Suite struct MemoryStoreConformanceTests {
    @Test(arguments: ProcessStoreConformance.Check.allCases)
    func conformance(_ check: ProcessStoreConformance.Check) async throws {
        try await ProcessStoreConformance { MemoryProcessStore() }.run(check)
    }
}
