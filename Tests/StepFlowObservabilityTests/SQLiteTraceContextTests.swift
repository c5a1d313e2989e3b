import Foundation
import StepFlowRuntime
import StepFlowSQLite
import Testing

/// The `trace_context` column of the SQLite store (migration `v5`): saved with a new process, read back after a reopen.
@Suite struct SQLiteTraceContextTests {
    @Test func aProcesssTraceContextIsSavedAndReadBackAfterAReopen() async throws {
        let directory = try StoreDirectory()
        defer { directory.remove() }
        let path = directory.storePath
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let store = try SQLiteProcessStore(path: path)
        let traced = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        _ = try await store.create(NewProcess(id: "traced", flowName: "f.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: now, traceContext: traced))
        _ = try await store.create(NewProcess(id: "plain", flowName: "f.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: now))
        let reopened = try SQLiteProcessStore(path: path)
        #expect(try await reopened.process("traced")?.traceContext == traced)
        #expect(try await reopened.process("plain")?.traceContext == nil)
        let claimed = try await reopened.claim(ClaimRequest(owner: "w", now: now, leaseDuration: .seconds(30), limit: 10))
        #expect(Set(claimed.compactMap { try? $0.record.get().traceContext }) == [traced])
    }
}
