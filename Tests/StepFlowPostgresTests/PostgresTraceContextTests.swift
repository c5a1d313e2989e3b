import Foundation
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Testing

/// The `trace_context` column (migration 6): saved with a new process, read back with every record, claimed included.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresTraceContextTests {
    @Test func aProcesssTraceContextIsSavedAndReadBack() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            let now = Date(timeIntervalSince1970: 1_767_225_600)
            let created = try await store.create([
                NewProcess(id: "traced", flowName: "f.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: now, traceContext: traced),
                NewProcess(id: "plain", flowName: "f.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: now),
            ])
            #expect(created.map(\.record.traceContext) == [traced, nil])
            #expect(try await store.process("traced")?.traceID == "0af7651916cd43dd8448eb211c80319c")
            #expect(try await store.process("plain")?.traceContext == nil)
            let claimed = try await store.claim(ClaimRequest(owner: "w", now: .distantFuture, leaseDuration: .seconds(30), limit: 10))
            let records = claimed.compactMap { try? $0.record.get() }
            #expect(Set(records.map(\.traceContext)) == [traced, nil])
            #expect(try await store.processes(ProcessQuery()).count == 2)
        }
    }
}
