import Foundation
import GRDB
import StepFlow
import StepFlowRuntime
@testable import StepFlowSQLite
import Testing

/// Opening, configuring and reopening the SQLite file.
@Suite struct SQLiteStoreFileTests {
    @Test func synchronousIsFullByDefaultOnTheWriter() async throws {
        let store = try SQLiteProcessStore.temporary()
        #expect(store.configuration.synchronous == .full)
        // 2 is FULL. GRDB sets NORMAL (1) when it enables WAL: the store must have set FULL again afterwards.
        #expect(try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try await store.pool.write { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1)
    }

    @Test func synchronousCanBeNormal() async throws {
        let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .normal))
        #expect(try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)
    }

    @Test func theSchemaIsMigratedToTheLatestVersion() async throws {
        let store = try SQLiteProcessStore.temporary()
        let migrations = try await store.pool.read { try SQLiteProcessStore.migrator.appliedMigrations($0) }
        #expect(migrations == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"])
        let strictTables = try await store.pool.read {
            try String.fetchAll($0, sql: "SELECT name FROM pragma_table_list WHERE strict = 1 ORDER BY name")
        }
        #expect(strictTables == ["finished_counts", "history", "process_labels", "processes", "signals"])
        let signalsKey = try await store.pool.read {
            try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('signals') WHERE pk > 0 ORDER BY pk")
        }
        #expect(signalsKey == ["process_id", "sequence"])
        let indexes = try await store.pool.read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        }
        #expect(indexes == [
            "history_process", "process_labels_process", "processes_created", "processes_due", "processes_finished",
            "processes_flow", "processes_paused", "processes_step",
        ])
        let historyIndexColumns = try await store.pool.read {
            try String.fetchAll($0, sql: "SELECT name FROM pragma_index_info('history_process') ORDER BY seqno")
        }
        #expect(historyIndexColumns == ["process_id", "sequence"])
    }

    @Test func valuesAreStoredAsMillisecondsAndJSON() async throws {
        let store = try SQLiteProcessStore.temporary()
        let now = Date(timeIntervalSince1970: 1_767_225_600.123)
        _ = try await store.create(NewProcess(
            id: "p", flowName: "order.v1", input: Data(#"{"order":1}"#.utf8), data: Data(#"{"n":2}"#.utf8),
            state: ["completed:order.v1/charge"], now: now
        ))
        let claimed = try #require(try await store.claim("w1", at: now).first)
        let history = HistoryEntry(
            sequence: 1, startedAt: now, stepPath: "order.v1/ship", before: ["completed:order.v1/charge"],
            after: ["start:order.v1/ship"], duration: .microseconds(1_500), outcome: .advanced, error: nil,
            worker: "w1", leaseToken: claimed.leaseToken
        )
        _ = try await store.commit([step("p", token: claimed.leaseToken, state: ["start:order.v1/ship"], dueAt: now, history: history, at: now)])

        let row = try #require(try store.pool.read {
            try Row.fetchOne($0, sql: "SELECT state, input, data, due_at, created_at, typeof(input) AS input_type FROM processes")
        })
        #expect(row["state"] as String == #"["start:order.v1/ship"]"#)
        #expect(row["input"] as Data == Data(#"{"order":1}"#.utf8))
        #expect(row["input_type"] as String == "blob")
        #expect(row["data"] as Data == Data(#"{"n":2}"#.utf8))
        #expect(row["due_at"] as Int64 == 1_767_225_600_123)
        #expect(row["created_at"] as Int64 == 1_767_225_600_123)
        let historyRow = try #require(try store.pool.read {
            try Row.fetchOne($0, sql: "SELECT process_id, sequence, state_before, state_after, duration_ns, outcome, started_at FROM history")
        })
        #expect(historyRow["process_id"] as String == "p")
        #expect(historyRow["sequence"] as Int == 1)
        #expect(historyRow["state_before"] as String == #"["completed:order.v1/charge"]"#)
        #expect(historyRow["state_after"] as String == #"["start:order.v1/ship"]"#)
        #expect(historyRow["duration_ns"] as Int64 == 1_500_000)
        #expect(historyRow["outcome"] as String == "advanced")
        #expect(historyRow["started_at"] as Int64 == 1_767_225_600_123)
    }

    @Test func reopeningTheFileFindsEverything() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("stepflow.sqlite")
            var records: [ProcessRecord] = []
            var history: [HistoryEntry] = []
            do {
                let store = try SQLiteProcessStore(path: path)
                for id: ProcessID in ["a", "b", "c"] {
                    try await store.create(id, at: t(0))
                }
                let claimed = try await store.claim("w1", at: t(1), limit: 2)
                #expect(claimed.map(\.id) == ["a", "b"])
                let saved = try await store.commit([
                    step("a", token: 1, status: .waiting, dueAt: t(100), history: entry(1, token: 1, at: t(1)), at: t(2))
                ])
                #expect(saved == [.saved])
                _ = try await store.execute(.cancel(reason: "stop"), on: "c", now: t(3))
                records = try await store.processes(ProcessQuery())
                history = try await store.history(of: "a")
                try store.pool.close()
            }
            let reopened = try SQLiteProcessStore(path: path)
            #expect(try await reopened.processes(ProcessQuery()) == records)
            #expect(try await reopened.history(of: "a") == history)
            #expect(history.count == 1)
            // b's lease is still held after the reopen: it is due again when the lease lapses.
            #expect(try await reopened.claim("w2", at: t(30)).isEmpty)
            #expect(try await reopened.claim("w2", at: t(31)).map(\.leaseToken) == [2])
            #expect(try await reopened.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        }
    }

    @Test func signalsSurviveReopeningTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("stepflow.sqlite")
            var sent: [ProcessSignal] = []
            do {
                let store = try SQLiteProcessStore(path: path)
                try await store.create("p", at: t(0))
                try await store.create("q", at: t(0))
                sent.append(try await store.sendSignal(to: "p", name: "approval", payload: Data(#"{"ok":true}"#.utf8), now: t(1)))
                sent.append(try await store.sendSignal(to: "p", name: "note", payload: Data(), now: t(2)))
                try store.pool.close()
            }
            let reopened = try SQLiteProcessStore(path: path)
            #expect(try await reopened.signals(of: ["p", "q"]) == ["p": sent])
            // The sequence goes on from the stored signals.
            #expect(try await reopened.sendSignal(to: "p", name: "approval", payload: Data(), now: t(3)).sequence == 3)
        }
    }

    @Test func signalsAreStoredAsMillisecondsAndBlobs() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("p", at: t(0))
        let now = Date(timeIntervalSince1970: 1_767_225_600.123)
        _ = try await store.sendSignal(to: "p", name: "approval", payload: Data(), now: now)
        let row = try #require(try store.pool.read {
            try Row.fetchOne($0, sql: "SELECT sequence, sent_at, typeof(payload) AS payload_type, length(payload) AS size FROM signals")
        })
        #expect(row["sequence"] as Int64 == 1)
        #expect(row["sent_at"] as Int64 == 1_767_225_600_123)
        #expect(row["payload_type"] as String == "blob")
        #expect(row["size"] as Int == 0)
        // Deleting a process deletes its inbox.
        try await store.pool.write { try $0.execute(sql: "DELETE FROM processes WHERE id = 'p'") }
        #expect(try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM signals") } == 0)
    }

    @Test func aMissingDirectoryIsReportedWithThePath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("missing/stepflow.sqlite")
            let error = try #require(throws: ProcessStoreError.self) { try SQLiteProcessStore(path: path) }
            #expect(error.code == .unavailable)
            #expect(error.message.contains(path))
            #expect(error.message.contains("does not exist"))
        }
    }

    @Test func aPathThatCannotBeOpenedIsReportedWithThePath() async throws {
        try await withTemporaryDirectory { directory in
            // A directory where the file should be.
            let directoryPath = directory.path("a-directory")
            try FileManager.default.createDirectory(atPath: directoryPath, withIntermediateDirectories: false)
            let error = try #require(throws: ProcessStoreError.self) { try SQLiteProcessStore(path: directoryPath) }
            #expect(error.code == .unavailable)
            #expect(error.message.contains(directoryPath))

            // A file that is not a SQLite database.
            let garbagePath = directory.path("garbage.sqlite")
            try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: garbagePath))
            let garbage = try #require(throws: ProcessStoreError.self) { try SQLiteProcessStore(path: garbagePath) }
            #expect(garbage.code == .unavailable)
            #expect(garbage.message.contains(garbagePath))
        }
    }

    @Test func aFileMigratedByANewerVersionIsNotTouched() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("stepflow.sqlite")
            do {
                let store = try SQLiteProcessStore(path: path)
                try await store.pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
                try store.pool.close()
            }
            let error = try #require(throws: ProcessStoreError.self) { try SQLiteProcessStore(path: path) }
            #expect(error.code == .unavailable)
            #expect(error.message.contains("newer"))
            #expect(error.message.contains(path))
        }
    }

    /// A file made before v6, whose `current_step` was a generated column, keeps every process's step, and from then
    /// on the store writes the column.
    @Test func aFileWithTheGeneratedStepColumnIsMigratedWithItsSteps() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("stepflow.sqlite")
            let states = [
                "running": #"["start:order.v1/charge"]"#, "done": #"["completed:order.v1/ship"]"#,
                "new": "[]", "ended": #"["order.v1"]"#,
            ]
            do {
                let queue = try DatabaseQueue(path: path)
                try SQLiteProcessStore.migrator.migrate(queue, upTo: "v5")
                try await queue.write { db in
                    for (id, state) in states {
                        try db.execute(sql: """
                            INSERT INTO processes (id, flow_name, state, input, data, status, due_at, step_count, attempt,
                                created_at, updated_at, lease_token)
                            VALUES (?, 'order.v1', ?, x'', x'', 'running', 0, 0, 0, 0, 0, 0)
                            """, arguments: [id, state])
                    }
                }
                try queue.close()
            }
            let store = try SQLiteProcessStore(path: path)
            let steps = try await store.pool.read {
                try Row.fetchAll($0, sql: "SELECT id, coalesce(current_step, '-') AS step FROM processes ORDER BY id").map {
                    "\($0["id"] as String)=\($0["step"] as String)"
                }
            }
            #expect(steps == ["done=ship", "ended=-", "new=-", "running=charge"])
            let generated = try await store.pool.read {
                try Int.fetchOne($0, sql: "SELECT hidden FROM pragma_table_xinfo('processes') WHERE name = 'current_step'")
            }
            #expect(generated == 0)
            // The store writes the column now: a step's save moves the process, and a search by step finds it there.
            let claimed = try #require(try await store.claim("w1", at: t(1), limit: 10).first { $0.id == "running" })
            _ = try await store.commit([step("running", token: claimed.leaseToken, state: ["start:order.v1/ship"], dueAt: t(2), at: t(1))])
            let atShip = try await store.processes(ProcessQuery(step: "ship")).map(\.id).sorted()
            #expect(atShip == ["done", "running"])
        }
    }

    /// Migration v9 copies the status, step and update time of the paused and finished processes of a file, which
    /// its indexes of them are built on: searches by step and time, statistics and purges find them afterwards.
    @Test func migrationV9CopiesThePausedAndFinishedProcessesPositions() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.path("stepflow.sqlite")
            do {
                let queue = try DatabaseQueue(path: path)
                try SQLiteProcessStore.migrator.migrate(queue, upTo: "v8")
                try await queue.write { db in
                    for (id, status) in [("run", "running"), ("rest", "paused"), ("done", "completed"), ("bad", "failed")] {
                        try db.execute(sql: """
                            INSERT INTO processes (id, flow_name, state, input, data, status, due_at, step_count, attempt,
                                created_at, updated_at, lease_token, current_step)
                            VALUES (?, 'order.v1', '["start:order.v1/ship"]', x'', x'', ?, NULL, 0, 0, 0, 5, 0, 'ship')
                            """, arguments: [id, status])
                    }
                }
                try queue.close()
            }
            let store = try SQLiteProcessStore(path: path)
            let copies = try await store.pool.read {
                try Row.fetchAll($0, sql: "SELECT id, rest_status, rest_step, rest_updated_at FROM processes ORDER BY id").map {
                    "\($0["id"] as String)=\($0["rest_status"] as String? ?? "-")/\($0["rest_step"] as String? ?? "-")/\($0["rest_updated_at"] as Int? ?? -1)"
                }
            }
            #expect(copies == ["bad=failed/ship/5", "done=completed/ship/5", "rest=paused/ship/5", "run=-/-/-1"])
            #expect(try await store.processes(ProcessQuery(step: "ship")).map(\.id) == ["bad", "done", "rest", "run"])
            #expect(try await store.processes(ProcessQuery(statuses: [.completed], updatedAfter: Date(timeIntervalSince1970: 0))).map(\.id) == ["done"])
            #expect(try await store.processes(ProcessQuery(statuses: [.paused], step: "ship")).map(\.id) == ["rest"])
            let purged = try await store.purge(PurgeRequest(finishedBefore: Date(timeIntervalSince1970: 1), limit: 10))
            #expect(Set(purged) == ["done", "bad"])
        }
    }

    @Test func aTemporaryStoreRemovesItsDirectory() async throws {
        var directory: String?
        do {
            let store = try SQLiteProcessStore.temporary()
            try await store.create("p", at: t(0))
            directory = URL(fileURLWithPath: store.path).deletingLastPathComponent().path
            #expect(FileManager.default.fileExists(atPath: store.path))
        }
        let removed = try #require(directory)
        #expect(!FileManager.default.fileExists(atPath: removed))
    }
}

/// The store's own writer of states' JSON.
@Suite struct SQLiteStateJSONTests {
    @Test func statesAreWrittenExactlyAsJSONEncoderWritesThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let everyASCII = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        let states: [FlowState] = [
            [], ["start:deploy.v1/build"], ["completed:a/b", "start:a/c"], [""], [everyASCII],
            [#"quote " backslash \ slash / "#, "ünïcödé ✓ 😀 \u{2028} \u{7F}", "tab\tnew\nline\r\u{8}\u{C}\u{0}\u{1F}"],
        ]
        for state in states {
            let expected = String(decoding: try encoder.encode(state), as: UTF8.self)
            #expect(Columns.json(state) == expected)
            #expect(try JSONDecoder().decode(FlowState.self, from: Data(Columns.json(state).utf8)) == state)
        }
    }

    @Test func statesAreReadAsJSONDecoderReadsThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let written: [FlowState] = [
            [], ["start:deploy.v1/build"], ["completed:a/b", "start:a/c"], [""], ["", ""], ["ünïcödé ✓ 😀 \u{7F}"],
        ]
        for state in written {
            let json = String(decoding: try encoder.encode(state), as: UTF8.self)
            #expect(Columns.state(json) == state, "\(json)")
        }
        // Any other JSON is left to JSONDecoder: whitespace, escapes, null, and text that is not a state.
        let others = [
            #"[ "a" ]"#, #"["a", "b"]"#, #"["quote \" inside"]"#, #"["tab\t"]"#, "null", "", "[", "]", "[]]", #"[""#,
            #"["a""#, #"["a",]"#, #"[,"a"]"#, #"["a"]x"#, #"x["a"]"#, #"["a""b"]"#, #"[1, 2]"#, #"["a",1]"#,
            "[\"raw\ttab\"]", "not json", #"{"a":1}"#,
        ]
        for json in others {
            #expect(Columns.state(json) == nil, "\(json)")
        }
    }
}
