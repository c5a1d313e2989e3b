import Foundation
import GRDB
import Logging
import StepFlow
import StepFlowRuntime
@testable import StepFlowSQLite
import Synchronization
import Testing

/// Searches use their indexes, and a bulk action leaves room for a worker's saves.
@Suite struct SQLiteOperationsTests {
    @Test func labelStepAndTimeSearchesUseTheirIndexes() async throws {
        let store = try SQLiteProcessStore.temporary()
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        _ = try await store.create((0..<2000).map { index in
            NewProcess(
                id: ProcessID(String(format: "p%05d", index)), flowName: "order.v1", input: Data("{}".utf8),
                data: Data("{}".utf8), state: ["start:order.v1/step\(index % 50)"], now: now.addingTimeInterval(Double(index)),
                labels: ["team": "team\(index % 40)", "env": index % 2 == 0 ? "prod" : "staging"]
            )
        })
        // Half of them finished (a test's shortcut: the finished counts do not matter here).
        try await store.pool.write {
            try $0.execute(sql: """
                UPDATE processes SET status = 'completed', due_at = NULL, rest_status = 'completed', rest_step = current_step,
                    rest_updated_at = updated_at
                WHERE id >= 'p01000'
                """)
        }
        // The store never runs ANALYZE: this is the plan it gets. A step's finished processes are read from their
        // index, its running and waiting ones from the claims' index alone (which a save rewrites anyway, and which
        // carries the id to sort them by), its paused ones from theirs; no scan of the table.
        let step = try await store.queryPlan(ProcessQuery(limit: 100, step: "step3"))
        #expect(step.contains("SEARCH p USING INDEX processes_step (rest_step=?)"), "\(step)")
        #expect(step.contains("SCAN p USING COVERING INDEX processes_due"), "\(step)")
        #expect(step.contains("SCAN p USING INDEX processes_paused"), "\(step)")
        #expect(!step.contains { $0 == "SCAN p" || $0.contains("sqlite_autoindex_processes") }, "\(step)")
        #expect(try await store.processes(ProcessQuery(limit: 100, step: "step3")).count == 40)
        // Finished processes only: the claims' index is not read.
        let finished = try await store.queryPlan(ProcessQuery(statuses: [.completed], limit: 100, step: "step3"))
        #expect(!finished.contains { $0.contains("processes_due") }, "\(finished)")
        #expect(try await store.processes(ProcessQuery(statuses: [.completed], step: "step3")).count == 20)

        try await store.pool.write { try $0.execute(sql: "ANALYZE") }

        let labels = try await store.queryPlan(ProcessQuery(limit: 100, labels: ["team": "team7"]))
        // Driven by the label's primary key, which holds its processes in id order: no sort, no scan.
        #expect(labels.contains { $0.hasPrefix("SEARCH l USING PRIMARY KEY (key=? AND value=?)") }, "\(labels)")
        #expect(!labels.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN") }, "\(labels)")
        #expect(try await store.processes(ProcessQuery(limit: 100, labels: ["team": "team7"])).count == 50)


        let statistics = try await store.pool.read { db in
            try [SQLiteProcessStore.SQL.statistics, SQLiteProcessStore.SQL.activePositions].flatMap { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: [nil as String?]).map { $0["detail"] as String }
            }
        }
        // Unfinished processes from the claims' and the paused processes' indexes alone; finished ones from their counts.
        #expect(statistics.contains { $0.contains("COVERING INDEX processes_due") }, "\(statistics)")
        #expect(statistics.contains { $0.contains("COVERING INDEX processes_paused") }, "\(statistics)")
        #expect(statistics.contains { $0.contains("finished_counts") }, "\(statistics)")
        // Claims, the hot path, read the due processes in due order from their index, whatever else is indexed.
        let claims = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteProcessStore.SQL.selectDue, arguments: [0, 10])
                .map { $0["detail"] as String }
        }
        #expect(claims == ["SEARCH processes USING COVERING INDEX processes_due (due_at<?)"], "\(claims)")
    }

    /// A bulk pause of 100,000 processes while a worker polls other processes: the worker saves steps between the
    /// bulk action's start and end (each batch is one transaction; the worker's saves go between them).
    @Test func aBulkActionLeavesTheWorkerSavingSteps() async throws {
        let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .normal))
        let stop = Mutex(false)
        let flow = try ProcessFlow<Int, Int>("poll.v1", initialData: { _ in 0 }) {
            WaitFor("done") { context in
                context.data += 1
                return stop.withLock { $0 }
            }
        }
        let client = StepFlowClient(store: store, registry: try FlowRegistry([flow]))
        for index in 0..<20 { try await client.start(flow, id: ProcessID("work\(index)"), input: index) }
        let later = Date().addingTimeInterval(86400)
        _ = try await store.create((0..<100_000).map { index in
            NewProcess(
                id: ProcessID(String(format: "bulk%05d", index)), flowName: "idle.v1", input: Data("0".utf8),
                data: Data("0".utf8), now: later, labels: ["bulk": "yes"]
            )
        })
        var logger = Logger(label: "bulk")
        logger.logLevel = .critical
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow]),
            configuration: .init(workerID: "poller", pollInterval: .zero, idleInterval: .milliseconds(10)), logger: logger
        )
        let workerTask = Task { try await worker.run() }
        // Once the worker is saving polls:
        while try await store.history(of: "work0").isEmpty { try await Task.sleep(for: .milliseconds(5)) }

        // The worker's polls, counted (consecutive polls of one wait are one history entry that counts them).
        func polls() async throws -> Int {
            var total = 0
            for index in 0..<20 { total += try await store.history(of: ProcessID("work\(index)")).reduce(0) { $0 + $1.polls } }
            return total
        }
        let pollsBefore = try await polls()
        let start = Date()
        let result = try await client.bulk(.pause(reason: "freeze"), matching: ProcessQuery(labels: ["bulk": "yes"]), by: "test", batchSize: 500)
        let end = Date()
        let pollsAfter = try await polls()
        stop.withLock { $0 = true }
        workerTask.cancel()
        _ = try? await workerTask.value

        #expect(result == BulkResult(matched: 100_000, acted: 100_000))
        let savedDuringBulk = pollsAfter - pollsBefore
        #expect(savedDuringBulk > 0, "the worker saved no step while the bulk action ran (\(end.timeIntervalSince(start)) s)")
        #expect(try await store.statistics(flowName: "idle.v1").groups == [.init(flowName: "idle.v1", status: .paused, step: nil, count: 100_000)])
    }
    /// The indexes of paused and finished processes are built on copies of their status, step and update time
    /// (`rest_status`, `rest_step`, `rest_updated_at`; NULL while a process runs or waits). Every way a process starts,
    /// steps, finishes, fails, pauses, resumes, is cancelled, rewound or relabelled keeps the copies equal to the
    /// originals, and searches through those indexes find what the query's own rule finds.
    @Test func restingCopiesFollowEveryChangeOfStatus() async throws {
        let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .normal))
        let flow = try ProcessFlow<Int, Int>("rest.v1", initialData: { $0 }) {
            Do("first") { _ in }
            Do("second") { context in
                if context.data % 5 == 4 { throw RestTestFailure() }
            }
            WaitFor("release") { context in context.data % 5 != 3 }
        }
        let client = StepFlowClient(store: store, registry: try FlowRegistry([flow]))
        var logger = Logger(label: "rest")
        logger.logLevel = .critical
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "w", pollInterval: .seconds(3600)),
            logger: logger
        )
        for index in 0..<20 { try await client.start(flow, id: ProcessID("p\(index)"), input: index) }

        func mismatches() async throws -> [String] {
            try await store.pool.read { db in
                try String.fetchAll(db, sql: """
                    SELECT id FROM processes WHERE
                        rest_status IS NOT (CASE WHEN status IN ('running', 'waiting') THEN NULL ELSE status END)
                        OR rest_step IS NOT (CASE WHEN status IN ('running', 'waiting') THEN NULL ELSE current_step END)
                        OR rest_updated_at IS NOT (CASE WHEN status IN ('running', 'waiting') THEN NULL ELSE updated_at END)
                    """)
            }
        }
        func searchesAgree() async throws {
            let all = try await store.processes(ProcessQuery(limit: 1000))
            for query in [
                ProcessQuery(limit: 1000, step: "second"), ProcessQuery(limit: 1000, step: "release"),
                ProcessQuery(statuses: [.completed, .failed, .paused, .cancelled], limit: 1000, step: "second"),
                ProcessQuery(limit: 1000, updatedAfter: Date(timeIntervalSince1970: 0)),
                ProcessQuery(statuses: [.paused], limit: 1000, updatedAfter: Date(timeIntervalSince1970: 0)),
            ] {
                #expect(try await store.processes(query).map(\.id) == all.filter(query.matches).map(\.id), "\(query)")
            }
        }

        #expect(try await mismatches() == [])
        _ = try await worker.runRound()  // first
        _ = try await client.pause("p0", reason: "look")
        _ = try await worker.runRound()  // second: completes, fails or waits
        _ = try await worker.runRound()
        _ = try await client.pause("p3", reason: "look at the wait")
        _ = try await client.cancel("p8", reason: "not needed")
        let statuses = Set(try await store.processes(ProcessQuery(limit: 1000)).map(\.status))
        #expect(statuses == [.paused, .completed, .failed, .waiting, .cancelled], "\(statuses)")
        #expect(try await mismatches() == [])
        try await searchesAgree()

        _ = try await client.setLabels("p3", ["team": "ops"])
        _ = try await client.unpause("p0")
        _ = try await client.rewind("p1", to: "second", reason: "again")
        _ = try await client.rewind("p4", to: "first", reason: "retry the failure")
        #expect(try await mismatches() == [])
        try await searchesAgree()
        _ = try await worker.runRound()
        _ = try await worker.runRound()
        _ = try await worker.runRound()
        #expect(try await mismatches() == [])
        try await searchesAgree()
        let purged = try await client.purge(finishedBefore: Date().addingTimeInterval(60))
        #expect(purged.deleted > 0)
        #expect(try await mismatches() == [])
        #expect(try await store.statistics(flowName: nil).groups.allSatisfy { $0.status.isActive || $0.status == .paused })
    }
}

/// The error of a step that fails on purpose.
private struct RestTestFailure: Error {}
