import Foundation
import GRDB
import StepFlow
import StepFlowRuntime
@testable import StepFlowSQLite
import Testing

/// How the store's statements run: through the due index, one transaction per commit.
@Suite struct SQLiteStoreQueryTests {
    /// The query plan's details of `sql` with `arguments`.
    private func plan(_ store: SQLiteProcessStore, _ sql: String, _ arguments: StatementArguments) async throws -> [String] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    @Test func claimingFindsDueProcessesThroughThePartialIndex() async throws {
        let store = try SQLiteProcessStore.temporary()
        for index in 0..<200 {
            try await store.create(ProcessID("p\(index)"), at: t(Int64(index)))
        }
        try await store.pool.write { try $0.execute(sql: "ANALYZE") }

        let due = try await plan(store, SQLiteProcessStore.SQL.selectDue, [Int64(0), 10])
        #expect(due.contains { $0.contains("USING INDEX processes_due") || $0.contains("USING COVERING INDEX processes_due") }, "\(due)")
        #expect(!due.contains { $0.hasPrefix("SCAN") }, "\(due)")
        #expect(!due.contains { $0.contains("TEMP B-TREE") }, "\(due)")

        let leaseMany = try await plan(store, SQLiteProcessStore.SQL.leaseProcesses(count: 2), ["w1", 0, 0, 1, 2])
        #expect(!leaseMany.contains { $0.hasPrefix("SCAN") }, "\(leaseMany)")
        let leased = try await plan(store, SQLiteProcessStore.SQL.selectLeased(count: 2), [1, 2])
        #expect(!leased.contains { $0.hasPrefix("SCAN") }, "\(leased)")
        let leaseOne = try await plan(store, SQLiteProcessStore.SQL.leaseOne, ["w1", 0, 0, "p1", 0, false, 0])
        #expect(!leaseOne.contains { $0.hasPrefix("SCAN") }, "\(leaseOne)")

        for sql in [SQLiteProcessStore.SQL.nextDueDate, SQLiteProcessStore.SQL.dueCount] {
            let details = try await plan(store, sql, sql.contains("?") ? [Int64(0)] : [])
            #expect(details.contains { $0.contains("processes_due") }, "\(sql): \(details)")
            #expect(!details.contains { $0.hasPrefix("SCAN") }, "\(sql): \(details)")
        }
        let history = try await plan(store, SQLiteProcessStore.SQL.selectHistory, ["p1"])
        #expect(history.contains { $0.contains("history_process") }, "\(history)")
    }

    /// Statistics count running and waiting processes in Swift (`PositionCounter`, a fast path): the same groups as
    /// SQL's GROUP BY, for flows and steps whose bytes run together ("a" + "bc", "ab" + "c"), a NULL and an empty
    /// step, and text beyond ASCII; with and without a flow.
    @Test func statisticsOfManyPositionsMatchGroupBy() async throws {
        let store = try SQLiteProcessStore.temporary()
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let positions: [(flow: String, state: FlowState)] = [
            ("a", ["start:a/bc"]), ("ab", ["start:ab/c"]), ("order.v1", []), ("order.v1", ["start:order.v1/chargé"]),
            ("order.v1", ["start:order.v1/ship"]), ("a", ["start:a/b"]), ("ab", ["start:ab/c/d"]),
        ]
        _ = try await store.create((0..<1400).map { index in
            let position = positions[index % positions.count]
            return NewProcess(
                id: ProcessID(String(format: "p%04d", index)), flowName: position.flow, input: Data("{}".utf8),
                data: Data("{}".utf8), state: position.state, now: now
            )
        })
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE processes SET status = 'waiting' WHERE id LIKE '%3' OR id LIKE '%7'")
            try db.execute(sql: """
                UPDATE processes SET status = 'paused', rest_status = 'paused', rest_step = current_step,
                    rest_updated_at = updated_at
                WHERE id LIKE '%9'
                """)
            try db.execute(sql: "UPDATE processes SET current_step = '' WHERE id IN ('p0002', 'p0013')")  // empty, not NULL
        }
        let expected = try await store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT flow_name, status, current_step, count(*) AS n FROM processes
                WHERE status IN ('running', 'waiting', 'paused') GROUP BY 1, 2, 3
                """).map { row in
                ProcessStatistics.Group(
                    flowName: row["flow_name"] as String, status: try #require(ProcessStatus(rawValue: row["status"] as String)),
                    step: row["current_step"] as String?, count: row["n"] as Int
                )
            }
        }
        #expect(expected.count >= 20, "the fixture has many groups: \(expected.count)")
        #expect(expected.contains { $0.step == "" } && expected.contains { $0.step == nil && $0.status == .running })
        let groups = try await store.statistics(flowName: nil).groups
        #expect(groups.count == expected.count)
        #expect(Set(groups) == Set(expected))
        let ab = try await store.statistics(flowName: "ab").groups
        #expect(Set(ab) == Set(expected.filter { $0.flowName == "ab" }))
    }

    /// The live event stream's query (StepFlowServer's `ProcessChangeFeed`): the processes changed in a two-sided
    /// time range, by id, page after page. Running and waiting ones are read from the claims' index alone, finished
    /// ones from `processes_finished`, paused ones from theirs: never every process in id order, with and without
    /// the planner's statistics.
    @Test func changesSinceATimeAreReadThroughTheStatusesIndexes() async throws {
        let store = try SQLiteProcessStore.temporary()
        for index in 0..<300 {
            try await store.create(ProcessID("p\(index)"), at: t(Int64(index)))
        }
        try await store.pool.write {
            try $0.execute(sql: """
                UPDATE processes SET status = 'completed', due_at = NULL, rest_status = 'completed', rest_step = current_step,
                    rest_updated_at = updated_at
                WHERE rowid % 2 = 0
                """)
        }
        for analyzed in [false, true] {
            if analyzed { try await store.pool.write { try $0.execute(sql: "ANALYZE") } }
            for after in [nil, ProcessID("p250")] {
                let query = ProcessQuery(limit: 500, after: after, updatedAfter: t(280), updatedBefore: t(1_000_000))
                let details = try await store.queryPlan(query)
                #expect(details.contains("SCAN p USING COVERING INDEX processes_due"), "\(details)")
                #expect(details.contains("SCAN p USING INDEX processes_paused"), "\(details)")
                #expect(details.contains("SEARCH p USING INDEX processes_finished (rest_updated_at>? AND rest_updated_at<?)"), "\(details)")
                #expect(!details.contains { $0 == "SCAN p" || $0.contains("sqlite_autoindex_processes") }, "\(details)")
                let found = try await store.processes(query).map(\.id)
                let expected = try await store.processes(ProcessQuery(limit: 1000, after: after)).filter(query.matches).map(\.id)
                #expect(found == expected)
                #expect(found.count == 20)
            }
        }
    }

    @Test(arguments: [1, 3, 5, 8, 9, 512, 513, 1100])
    func claimsOfAnySizeLeaseEachProcessOnceInDueOrder(size: Int) async throws {
        let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .normal))
        // Created in reverse, due in order of their number.
        for index in (0..<(size + 2)).reversed() {
            try await store.create(ProcessID("p\(index)"), at: t(Int64(index)))
        }
        let claimed = try await store.claim("w1", at: t(100_000), limit: size)
        #expect(claimed.map(\.id) == (0..<size).map { ProcessID("p\($0)") })
        #expect(claimed.allSatisfy { $0.leaseToken == 1 })
        #expect(try claimed.allSatisfy { try $0.record.get().lease?.owner == "w1" })
        #expect(try await store.claim("w2", at: t(100_000), limit: 10).map(\.id) == [ProcessID("p\(size)"), ProcessID("p\(size + 1)")])
    }

    @Test func aCommitIsOneTransaction() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("a", at: t(0))
        try await store.create("b", at: t(1))
        let claimed = try await store.claim("w1", at: t(2))
        #expect(claimed.map(\.id) == ["a", "b"])
        // A trigger makes the second update's history row fail: the first update must not be saved either.
        try await store.pool.write {
            try $0.execute(sql: """
                CREATE TRIGGER refuse_boom BEFORE INSERT ON history WHEN NEW.worker = 'boom'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        let before = try await store.processes(ProcessQuery())
        await #expect(throws: ProcessStoreError.self) {
            try await store.commit([
                step("a", token: 1, dueAt: t(10), history: entry(1, token: 1, at: t(3)), at: t(3)),
                step("b", token: 1, dueAt: t(10), history: entry(1, worker: "boom", token: 1, at: t(3)), at: t(3)),
            ])
        }
        #expect(try await store.processes(ProcessQuery()) == before)
        #expect(try await store.history(of: "a") == [])
    }

    @Test func historyKeepsSaveOrderEvenWithRepeatedSequences() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("p", at: t(0))
        var saved: [HistoryEntry] = []
        for (index, sequence) in [3, 1, 1].enumerated() {
            let claimed = try #require(try await store.claim("w1", at: t(Int64(index) * 100)).first)
            let history = entry(sequence, token: claimed.leaseToken, at: t(Int64(index) * 100))
            #expect(try await store.commit([step("p", token: claimed.leaseToken, dueAt: t(Int64(index) * 100 + 1), history: history, at: t(Int64(index) * 100))]) == [.saved])
            saved.append(history)
        }
        #expect(try await store.history(of: "p") == saved)
    }
}

/// A save's values are bound through SQLite's C API: empty, non-ASCII and large values come back as they were.
@Suite struct SQLiteBindingTests {
    @Test func emptyNonASCIIAndLargeValuesRoundTrip() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("p", at: t(0))
        let claimed = try #require(try await store.claim("w1", at: t(1)).first)
        let large = String(repeating: "ünïcödé ✓ 😀 ", count: 5_000)
        let history = HistoryEntry(
            sequence: 1, startedAt: t(1), stepPath: "", before: [], after: [""], duration: .zero, outcome: .retried,
            error: large, worker: "", leaseToken: claimed.leaseToken
        )
        let update = ProcessUpdate(
            id: "p", flowName: "order.v1", leaseToken: claimed.leaseToken, state: [large], data: Data(), status: .waiting, dueAt: t(5),
            stepCount: 1, attempt: 1, lastError: "", history: history, now: t(1)
        )
        #expect(try await store.commit([update]) == [.saved])
        let record = try #require(try await store.process("p"))
        #expect(record.state == [large])
        #expect(record.data == Data())
        #expect(record.lastError == "")
        #expect(try await store.history(of: "p") == [history])

        let bytes = Data((0...255).map { UInt8($0) } + Array(repeating: 0, count: 10_000))
        let next = try #require(try await store.claim("w1", at: t(5)).first)
        var second = update
        (second.leaseToken, second.data, second.state, second.lastError, second.history) = (next.leaseToken, bytes, nil, nil, nil)
        #expect(try await store.commit([second]) == [.saved])
        let saved = try #require(try await store.process("p"))
        #expect(saved.data == bytes)
        #expect(saved.state == [large])
        #expect(saved.lastError == nil)
    }
}
