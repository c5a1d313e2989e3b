import Foundation
import StepFlow
import PostgresNIO
@testable import StepFlowPostgres
import StepFlowRuntime
import Testing

/// Label and step searches, and statistics, use their indexes; only one purge runs at a time on a schema; bulk actions act in batches.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresOperationsTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)

    @Test func labelAndStepSearchesUseTheirIndexes() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            _ = try await store.create((0..<5000).map { index in
                NewProcess(
                    id: ProcessID(String(format: "p%05d", index)), flowName: "order.v1", input: Data("{}".utf8),
                    data: Data("{}".utf8), state: ["start:order.v1/step\(index % 100)"], now: now,
                    labels: ["team": "team\(index % 100)", "env": index % 2 == 0 ? "prod" : "staging"]
                )
            })
            // A rare flow, all of whose processes finish below.
            let refunds = (0..<50).map { String(format: "r%05d", $0) }
            _ = try await store.create(refunds.map { id in
                NewProcess(
                    id: ProcessID(id), flowName: "refund.v1", input: Data("{}".utf8), data: Data("{}".utf8),
                    state: ["start:refund.v1/refund"], now: now
                )
            })
            let schema = store.configuration.schema
            try await session.execute("ANALYZE \(schema).processes")
            try await session.execute("ANALYZE \(schema).process_labels")

            let labels = try await store.queryPlan(ProcessQuery(limit: 100, labels: ["team": "team7"]))
            #expect(labels.contains { $0.contains("process_labels_pkey") }, "\(labels.joined(separator: "\n"))")
            #expect(try await store.processes(ProcessQuery(limit: 100, labels: ["team": "team7", "env": "staging"])).count == 50)

            // Statistics of a store whose processes are mostly finished: the unfinished ones are read from the claims'
            // index and the paused ones' (a save adds no entry to any other index for them), the rest from the counts.
            try await session.execute("""
                UPDATE \(schema).processes SET status = 'completed', due_at = NULL WHERE id >= 'p00200'
                """)
            try await session.execute("UPDATE \(schema).processes SET status = 'paused' WHERE id < 'p00010'")
            try await session.execute("VACUUM ANALYZE \(schema).processes")
            var binds = PostgresBindings()
            binds.append(String?.none)
            let plan = try await session.client.query(
                PostgresQuery(unsafeSQL: "EXPLAIN " + PostgresProcessStore.SQL(schema: schema, channel: "unused").statistics, binds: binds),
                logger: TestDatabase.logger
            ).collect().map { try $0.decode(String.self) }
            let text = plan.joined(separator: "\n")
            #expect(text.contains("processes_due"), "\(text)")
            #expect(text.contains("processes_paused"), "\(text)")
            #expect(!text.contains("Seq Scan on processes"), "\(text)")

            // A step's, or a time's, finished processes are found through their partial indexes, its running
            // and waiting ones through the claims' index (an update adds an entry to that one anyway), its paused ones
            // through theirs: no index on every process, no scan of the table.
            let searches: [(query: ProcessQuery, finishedIndex: String)] = [
                (ProcessQuery(limit: 100, step: "step3"), "processes_step"),
                (ProcessQuery(limit: 100, createdAfter: Date().addingTimeInterval(3600)), "processes_created"),
                (ProcessQuery(limit: 100, updatedAfter: Date().addingTimeInterval(3600), updatedBefore: Date().addingTimeInterval(7200)), "processes_finished"),
            ]
            for (query, finishedIndex) in searches {
                let plan = try await store.queryPlan(query).joined(separator: "\n")
                #expect(plan.contains("processes_due"), "\(plan)")
                #expect(plan.contains("processes_paused"), "\(plan)")
                #expect(plan.contains(finishedIndex), "\(plan)")
                #expect(!plan.contains("Seq Scan on processes"), "\(plan)")
            }
            // A flow's finished processes are found through `processes_flow`, which holds only those (a save adds no
            // entry to it), its paused ones through theirs; its running and waiting ones are few.
            let flowPlan = try await store.queryPlan(ProcessQuery(flowName: "refund.v1", limit: 100)).joined(separator: "\n")
            #expect(flowPlan.contains("processes_flow"), "\(flowPlan)")
            #expect(flowPlan.contains("processes_paused"), "\(flowPlan)")
            #expect(!flowPlan.contains("Seq Scan on processes"), "\(flowPlan)")
            #expect(try await store.processes(ProcessQuery(flowName: "refund.v1")).map(\.id.rawValue) == refunds)
            #expect(try await store.processes(ProcessQuery(flowName: "order.v1", limit: 3)).map(\.id.rawValue) == ["p00000", "p00001", "p00002"])
            #expect(try await store.processes(ProcessQuery(step: "step3")).count == 50)
            #expect(try await store.processes(ProcessQuery(statuses: [.running], step: "step3")).map(\.id) == ["p00103"])
            // The planner knows how status and step go together (a step of waits holds unfinished processes only):
            // the statistics exist and ANALYZE filled them.
            let statistics = try await session.client.query(PostgresQuery(unsafeSQL: """
                SELECT count(*)::int FROM pg_stats_ext
                WHERE schemaname = '\(schema)' AND statistics_name = 'processes_status_step' AND most_common_vals IS NOT NULL
                """), logger: TestDatabase.logger).collect()
            #expect(try statistics.map { try $0.decode(Int.self) } == [1])
        }
    }

    @Test func onlyOnePurgeRunsAtATimeOnASchema() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            _ = try await store.create((0..<10).map { index in
                NewProcess(id: ProcessID("p\(index)"), flowName: "order.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: now)
            })
            for index in 0..<10 { _ = try await store.execute(.cancel(reason: "x"), on: ProcessID("p\(index)"), now: now) }
            let request = PurgeRequest(finishedBefore: Date().addingTimeInterval(3600), limit: 100, exclusive: true)
            // Another session holds the purge lock: an exclusive purge deletes nothing; a plain one still purges.
            try await TestDatabase.withClient { other in
                let schema = store.configuration.schema
                try await other.client.withConnection { connection in
                    _ = try await connection.query("BEGIN", logger: TestDatabase.logger)
                    _ = try await connection.query(
                        "SELECT pg_advisory_xact_lock(hashtext('stepflow.purge.' || \(schema)))", logger: TestDatabase.logger
                    )
                    #expect(try await store.purge(request).isEmpty)
                    _ = try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                }
            }
            #expect(try await store.purge(request).count == 10)
        }
    }

    /// Bulk actions on 2,000 processes, one transaction per batch: every process is paused, then cancelled, with its
    /// history entry, and the statistics (the finished counts the batches update) agree.
    @Test func bulkActionsActOnEveryProcessInBatches() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            _ = try await store.create((0..<2000).map { index in
                NewProcess(
                    id: ProcessID(String(format: "b%05d", index)), flowName: "idle.v1", input: Data("0".utf8), data: Data("0".utf8),
                    state: ["start:idle.v1/step\(index % 7)"], now: now, labels: ["bulk": "yes"]
                )
            })
            let client = StepFlowClient(store: store)
            let query = ProcessQuery(labels: ["bulk": "yes"])
            #expect(try await client.bulk(.pause(reason: "freeze"), matching: query, by: "ops", batchSize: 300) == BulkResult(matched: 2000, acted: 2000))
            #expect(try await client.statistics(flow: "idle.v1").groups.map(\.status) == Array(repeating: .paused, count: 7))
            let cancelled = try await client.bulk(.cancel(reason: "done"), matching: query, by: "ops", batchSize: 300)
            #expect(cancelled == BulkResult(matched: 2000, acted: 2000))
            let groups = try await client.statistics(flow: "idle.v1").groups
            #expect(groups.allSatisfy { $0.status == .cancelled }, "\(groups)")
            #expect(groups.map(\.count).reduce(0, +) == 2000)
            #expect(try await client.history(of: "b01234").map(\.outcome) == [.paused, .cancelled])
            #expect(try await client.bulk(.cancel(reason: "again"), matching: query) == BulkResult(matched: 2000, skipped: ["already cancelled": 2000]))
        }
    }
}
