import Foundation
import Logging
import PostgresNIO
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Testing

/// What the PostgreSQL store does beyond the conformance suite: wake-ups across stores, start-up errors,
/// corrupt rows, concurrent migrations.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresStoreTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)

    func newProcess(_ id: ProcessID) -> NewProcess {
        NewProcess(id: id, flowName: "order.v1", input: Data(#"{"order":1}"#.utf8), data: Data("{}".utf8), now: now)
    }

    @Test func wakeUpReachesAnotherStoreThroughNotify() async throws {
        let schema = TestDatabase.uniqueSchema()
        try await TestDatabase.withClient { first in
            try await TestDatabase.withClient { second in
                let sender = try await first.makeStore(schema: schema)
                let listener = try await second.makeStore(schema: schema)
                let wakeUps = WakeUpCounter(listener.wakeUps())
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await listener.run() }
                    defer { group.cancelAll() }
                    // The listener signals once it listens: then every NOTIFY reaches it.
                    #expect(await wakeUps.wait(forMoreThan: 0, within: .seconds(10)), "the listener never started")
                    let before = wakeUps.value
                    _ = try await sender.create(newProcess("p1"))
                    #expect(await wakeUps.wait(forMoreThan: before, within: .seconds(5)), "no wake-up after a create in another store")
                    let afterCreate = wakeUps.value
                    _ = try await sender.execute(.wake, on: "p1", now: now.addingTimeInterval(1))
                    #expect(await wakeUps.wait(forMoreThan: afterCreate, within: .seconds(5)), "no wake-up after a wake in another store")
                }
            }
        }
    }

    @Test func unreachableServerAtStartIsAClearError() async throws {
        // Port 1 on the loopback: nothing listens there.
        let url = try PostgresProcessStore.DatabaseURL("postgres://stepflow:s3cret@127.0.0.1:1/stepflow")
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresProcessStore(
                client: client, configuration: .init(server: url.description, startTimeout: .seconds(2)), logger: TestDatabase.logger
            )
            let error = try await #require(throws: ProcessStoreError.self) { try await store.migrate() }
            #expect(error.code == .unavailable)
            #expect(error.message.contains("127.0.0.1:1"), "\(error.message)")
            #expect(!error.message.contains("s3cret"), "\(error.message)")
        }
    }

    @Test func corruptRowIsClaimedAsAFailureWhileOthersContinue() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            for id in ["a", "b", "c"] { _ = try await store.create(newProcess(ProcessID(id))) }
            try await session.execute("UPDATE \(store.configuration.schema).processes SET state = '{\"not\": \"an array\"}' WHERE id = 'b'")

            let claimed = try await store.claim(ClaimRequest(owner: "w1", now: now, leaseDuration: .seconds(30), limit: 10))
            #expect(claimed.map(\.id) == ["a", "b", "c"])
            let corrupt = try #require(claimed.first { $0.id == "b" })
            guard case let .failure(error) = corrupt.record else {
                Issue.record("the corrupt row was read")
                return
            }
            #expect(error.code == .corruptRecord)
            #expect(error.processID == "b")
            #expect(error.message.contains("'state'"), "\(error.message)")
            #expect(corrupt.leaseToken == 1)
            for process in claimed where process.id != "b" { _ = try process.record.get() }

            // The worker fails the corrupt process without reading its state (a nil state keeps the stored one).
            let outcomes = try await store.commit([
                ProcessUpdate(
                    id: "b", flowName: "", leaseToken: corrupt.leaseToken, state: nil, data: nil, status: .failed, dueAt: nil, stepCount: nil,
                    attempt: 0, lastError: error.message, history: nil, now: now
                )
            ])
            #expect(outcomes == [.saved])
            await #expect(throws: ProcessStoreError.self) { try await store.process("b") }
        }
    }

    /// A schema made before migration 9, whose `current_step` was a generated column, keeps every process's step, and
    /// from then on the store writes the column.
    @Test func aSchemaWithTheGeneratedStepColumnIsMigratedWithItsSteps() async throws {
        let schema = TestDatabase.uniqueSchema()
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore(schema: schema)
            let states = [
                "running": #"["start:order.v1/charge"]"#, "done": #"["completed:order.v1/ship"]"#,
                "new": "[]", "ended": #"["order.v1"]"#,
            ]
            for id in states.keys { _ = try await store.create(newProcess(ProcessID(id))) }
            // The schema as migration 8 left it: the column generated from the state, and the indexes on it.
            for statement in [
                "ALTER TABLE \(schema).processes DROP COLUMN current_step",
                """
                ALTER TABLE \(schema).processes ADD COLUMN current_step text COLLATE "C" GENERATED ALWAYS AS (
                    \(ProcessPosition.sqlExpression(find: "strpos"))
                ) STORED
                """,
                "CREATE INDEX processes_step ON \(schema).processes (current_step, id)",
                "CREATE INDEX processes_position ON \(schema).processes (status, flow_name, current_step)",
                "CREATE INDEX processes_due ON \(schema).processes (due_at) WHERE status IN ('running', 'waiting')",
                "CREATE INDEX processes_updated ON \(schema).processes (updated_at)",
                "DROP INDEX \(schema).processes_created",
                "CREATE INDEX processes_created ON \(schema).processes (created_at)",
                "DELETE FROM \(schema).migrations WHERE version >= 9",
            ] { try await session.execute(statement) }
            for (id, state) in states {
                try await session.execute("UPDATE \(schema).processes SET state = '\(state)' WHERE id = '\(id)'")
            }

            let migrated = try await session.makeStore(schema: schema)
            let rows = try await session.client.query(PostgresQuery(unsafeSQL: """
                SELECT id || '=' || coalesce(current_step, '-') FROM \(schema).processes ORDER BY id
                """), logger: TestDatabase.logger).collect()
            #expect(try rows.map { try $0.decode(String.self) } == ["done=ship", "ended=-", "new=-", "running=charge"])
            let generated = try await session.client.query(PostgresQuery(unsafeSQL: """
                SELECT attgenerated::text FROM pg_attribute
                WHERE attrelid = '\(schema).processes'::regclass AND attname = 'current_step'
                """), logger: TestDatabase.logger).collect()
            #expect(try generated.map { try $0.decode(String.self) } == [""])
            // The store writes the column now: a step's save moves the process, and a search by step finds it there.
            let claimed = try #require(try await migrated.claim(ClaimRequest(owner: "w1", now: now, leaseDuration: .seconds(30), limit: 10))
                .first { $0.id == "running" })
            let outcomes = try await migrated.commit([
                ProcessUpdate(
                    id: "running", flowName: "order.v1", leaseToken: claimed.leaseToken, state: ["start:order.v1/ship"],
                    data: nil, status: .running, dueAt: now, stepCount: 1, attempt: 0, lastError: nil, history: nil, now: now
                )
            ])
            #expect(outcomes == [.saved])
            #expect(try await migrated.processes(ProcessQuery(step: "ship")).map(\.id).sorted() == ["done", "running"])
        }
    }

    /// No update is HOT (the due time is indexed), so every save adds an entry to every index whose condition the
    /// new row meets. A running process must meet only the primary key's and the claims' index's: every other index
    /// is partial, on paused or finished processes.
    @Test func aRunningProcessIsInNoIndexButTheKeyAndTheClaims() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let schema = store.configuration.schema
            let rows = try await session.client.query(PostgresQuery(unsafeSQL: """
                SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '\(schema)' AND tablename = 'processes'
                ORDER BY indexname
                """), logger: TestDatabase.logger).collect()
            let indexes = try rows.map { try $0.decode((String, String).self) }
            #expect(indexes.count == 7, "\(indexes)")
            for (name, definition) in indexes where name != "processes_pkey" && name != "processes_due" {
                let condition = definition.components(separatedBy: " WHERE ").dropFirst().first ?? ""
                #expect(!condition.isEmpty, "\(name) holds every process: \(definition)")
                #expect(!condition.contains("running") && !condition.contains("waiting"), "\(definition)")
            }
        }
    }

    @Test func severalStoresMigrateOneSchemaAtOnce() async throws {
        let schema = TestDatabase.uniqueSchema()
        try await TestDatabase.withClient { session in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await session.makeStore(schema: schema) } }
                try await group.waitForAll()
            }
            let rows = try await session.client.query(
                PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).migrations"), logger: TestDatabase.logger
            ).collect()
            #expect(try rows.map { try $0.decode(Int.self) }.sorted() == Array(1...12))
        }
    }
}

/// Reading `postgres://` URLs (no server needed).
@Suite struct PostgresURLTests {
    @Test func urlsAreReadAndNeverShowThePassword() throws {
        let url = try PostgresProcessStore.DatabaseURL("postgres://app:p%40ss@db.internal/orders?sslmode=require")
        #expect(url.host == "db.internal")
        #expect(url.port == 5432)
        #expect(url.username == "app")
        #expect(url.database == "orders")
        #expect(url.requiresTLS)
        #expect(url.description == "app@db.internal:5432/orders")
        for bad in ["sqlite:///tmp/x", "postgres://db.internal/orders", "postgres://app:secret@db.internal", "not a url"] {
            let error = #expect(throws: ProcessStoreError.self) { try PostgresProcessStore.DatabaseURL(bad) }
            #expect(error?.message.contains("secret") == false, "\(error?.message ?? "")")
        }
    }
}
