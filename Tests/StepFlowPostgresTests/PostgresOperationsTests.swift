import Foundation
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Testing

/// Label and step searches use their indexes; only one purge runs at a time on a schema.
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
            let schema = store.configuration.schema
            try await session.execute("ANALYZE \(schema).processes")
            try await session.execute("ANALYZE \(schema).process_labels")

            let labels = try await store.queryPlan(ProcessQuery(limit: 100, labels: ["team": "team7"]))
            #expect(labels.contains { $0.contains("process_labels_pkey") }, "\(labels.joined(separator: "\n"))")
            #expect(try await store.processes(ProcessQuery(limit: 100, labels: ["team": "team7", "env": "staging"])).count == 50)

            let step = try await store.queryPlan(ProcessQuery(limit: 100, step: "step3"))
            #expect(step.contains { $0.contains("processes_step") }, "\(step.joined(separator: "\n"))")
            #expect(try await store.processes(ProcessQuery(step: "step3")).count == 50)
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
}
