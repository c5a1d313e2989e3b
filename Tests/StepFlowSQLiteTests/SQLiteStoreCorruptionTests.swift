import Foundation
import GRDB
import StepFlowRuntime
@testable import StepFlowSQLite
import Testing

/// Rows that cannot be read: clear errors for them, no effect on the others, nothing deleted.
@Suite struct SQLiteStoreCorruptionTests {
    private func corrupt(_ store: SQLiteProcessStore, _ sql: String) async throws {
        try await store.pool.write { try $0.execute(sql: sql) }
    }

    @Test func corruptRowsAreClaimedAsFailuresWithoutStoppingTheOthers() async throws {
        let store = try SQLiteProcessStore.temporary()
        for (index, id) in ["good-1", "bad-json", "bad-array", "bad-status", "good-2"].enumerated() {
            try await store.create(ProcessID(id), at: t(Int64(index)))
        }
        try await corrupt(store, "UPDATE processes SET state = 'not json' WHERE id = 'bad-json'")
        try await corrupt(store, "UPDATE processes SET state = '[1, 2]' WHERE id = 'bad-array'")
        try await corrupt(store, "UPDATE processes SET status = 'exploded' WHERE id = 'bad-status'")

        let claimed = try await store.claim("w1", at: t(10))
        // The unknown status is not active: never claimed. The corrupt states are claimed, as failures.
        #expect(claimed.map(\.id) == ["good-1", "bad-json", "bad-array", "good-2"])
        #expect(claimed.map(\.leaseToken) == [1, 1, 1, 1])
        #expect(try claimed[0].record.get().id == "good-1")
        #expect(try claimed[3].record.get().id == "good-2")
        for (process, found) in [(claimed[1], "not json"), (claimed[2], "[1, 2]")] {
            guard case let .failure(error) = process.record else {
                Issue.record("a corrupt state should be claimed as a failure")
                continue
            }
            #expect(error.code == .corruptRecord)
            #expect(error.processID == process.id)
            #expect(error.message.contains("'\(process.id)'"))
            #expect(error.message.contains("'state'"))
            #expect(error.message.contains("JSON array of strings"))
            #expect(error.message.contains(found))
            #expect(error.message.contains(store.path))
        }

        // Reading a corrupt process throws; a good one reads.
        for (id, column) in [("bad-json", "'state'"), ("bad-array", "'state'"), ("bad-status", "'status'")] {
            let error = await #expect(throws: ProcessStoreError.self) { try await store.process(ProcessID(id)) }
            #expect(error?.code == .corruptRecord)
            #expect(error?.message.contains(column) == true)
            #expect(error?.message.contains("'\(id)'") == true)
        }
        let status = await #expect(throws: ProcessStoreError.self) { try await store.process("bad-status") }
        #expect(status?.message.contains("exploded") == true)
        #expect(try await store.process("good-1")?.leaseToken == 1)

        // The worker fails the corrupt process without a state: saved, the column kept as it was.
        let failed = try await store.commit([
            step("bad-json", token: 1, state: nil, status: .failed, dueAt: nil, at: t(11)),
            step("good-1", token: 1, dueAt: t(20), at: t(11)),
        ])
        #expect(failed == [.saved, .saved])
        let kept = try store.pool.read {
            try Row.fetchOne($0, sql: "SELECT state, status FROM processes WHERE id = 'bad-json'")
        }
        #expect(kept?["state"] as String? == "not json")
        #expect(kept?["status"] as String? == "failed")
        #expect(try await store.process("good-1")?.dueAt == t(20))

        // Nothing was deleted.
        #expect(try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM processes") } == 5)
        // A listing that meets a corrupt row says which.
        let listing = await #expect(throws: ProcessStoreError.self) { try await store.processes(ProcessQuery()) }
        #expect(listing?.code == .corruptRecord)
        #expect(try await store.processes(ProcessQuery(after: "bad-status")).map(\.id) == ["good-1", "good-2"])
    }

    @Test func otherColumnDefectsNameTheirColumn() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("p", at: t(0))
        try await corrupt(store, "UPDATE processes SET lease_owner = 'w9' WHERE id = 'p'")
        let lease = await #expect(throws: ProcessStoreError.self) { try await store.process("p") }
        #expect(lease?.code == .corruptRecord)
        #expect(lease?.message.contains("'lease_expires_at'") == true)
        // A command cannot apply to a row it cannot read.
        let cancel = await #expect(throws: ProcessStoreError.self) {
            try await store.execute(.cancel(reason: "stop"), on: "p", now: t(11))
        }
        #expect(cancel?.code == .corruptRecord)
        #expect(try await store.pool.read { try String.fetchOne($0, sql: "SELECT status FROM processes") } == "running")
        // A claim writes a whole new lease, which repairs this defect.
        let claimed = try await store.claim("w1", at: t(10))
        #expect(try claimed.first?.record.get().lease == .init(owner: "w1", expiresAt: t(40)))
    }

    @Test func aCorruptHistoryRowNamesItsColumn() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("p", at: t(0))
        let claimed = try #require(try await store.claim("w1", at: t(0)).first)
        _ = try await store.commit([step("p", token: claimed.leaseToken, dueAt: t(5), history: entry(1, token: 1, at: t(1)), at: t(1))])
        try await corrupt(store, "UPDATE history SET outcome = 'vanished', state_after = '{}'")
        let error = await #expect(throws: ProcessStoreError.self) { try await store.history(of: "p") }
        #expect(error?.code == .corruptRecord)
        #expect(error?.processID == "p")
        #expect(error?.message.contains("history.state_after") == true)
    }
}
