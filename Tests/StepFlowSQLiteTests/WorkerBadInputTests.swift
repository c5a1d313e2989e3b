import Foundation
import GRDB
import Logging
import StepFlow
import StepFlowRuntime
@testable import StepFlowSQLite
import Testing

/// Bad rows in a real SQLite file, run by a real worker: the bad process fails with a reason, the others finish,
/// nothing is deleted.
@Suite struct WorkerBadInputTests {
    struct Empty: Codable, Sendable {}

    @Test func aCorruptRowFailsOnlyItsProcessAndKeepsItsColumns() async throws {
        let store = try SQLiteProcessStore.temporary()
        let flow = try ProcessFlow<Empty, Empty>("bad.v1", initialData: { _ in Empty() }) {
            Do("one") { _ in }
            Do("two") { _ in }
        }
        let client = StepFlowClient(store: store)
        for id in ["a", "corrupt", "undecodable", "b"] { try await client.start(flow, id: ProcessID(id), input: Empty()) }
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE processes SET state = '{\"not\": \"an array\"}' WHERE id = 'corrupt'")
            try db.execute(sql: "UPDATE processes SET data = X'00FF' WHERE id = 'undecodable'")
        }
        var logger = Logger(label: "bad-input")
        logger.logLevel = .critical
        let worker = FlowWorker(store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "w"), logger: logger)
        try await worker.runUntilIdle()

        #expect(try await client.process("a").status == .completed)
        #expect(try await client.process("b").status == .completed)
        let undecodable = try await client.process("undecodable")
        #expect(undecodable.status == .failed)
        #expect(undecodable.lastError?.contains("the data cannot be decoded as Empty") == true)
        #expect(undecodable.data == Data([0x00, 0xFF]))

        let row = try #require(try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT state, status, last_error FROM processes WHERE id = 'corrupt'")
        })
        #expect(row["state"] as String == #"{"not": "an array"}"#)
        #expect(row["status"] as String == "failed")
        let reason: String = row["last_error"]
        #expect(reason.contains("'corrupt'") && reason.contains("'state'"))
        // Listing a page that holds the corrupt row says which row to repair rather than hiding it.
        let listing = await #expect(throws: ProcessStoreError.self) { try await store.processes(ProcessQuery()) }
        #expect(listing?.code == .corruptRecord)
        #expect(listing?.processID == "corrupt")
    }
}
