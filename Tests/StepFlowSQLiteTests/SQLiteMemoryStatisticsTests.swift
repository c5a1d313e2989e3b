import Foundation
import GRDBSQLite
import StepFlowRuntime
import StepFlowSQLite
import Testing

/// The store turns SQLite's process-wide memory statistics off before the process's first connection, unless its
/// configuration keeps them. Each test runs in a process of its own, in which no SQLite connection was opened before.
@Suite struct SQLiteMemoryStatisticsTests {
    @Test func theFirstStoreOfAProcessTurnsThemOff() async {
        await #expect(processExitsWith: .success) {
            let store = try SQLiteProcessStore.temporary()
            try await store.create(ProcessID("p"), at: Date())
            _ = try await store.processes(ProcessQuery())
            // SQLite counts nothing: its connections hold memory, and none of it is reported.
            exit(sqlite3_memory_used() == 0 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }

    @Test func aStoreThatKeepsThemLeavesThemOn() async {
        await #expect(processExitsWith: .success) {
            let store = try SQLiteProcessStore.temporary(configuration: .init(keepsSQLiteMemoryStatistics: true))
            try await store.create(ProcessID("p"), at: Date())
            exit(sqlite3_memory_used() > 0 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }

    @Test func aStoreOpenedAfterOtherSQLiteUseWorksAsBefore() async {
        await #expect(processExitsWith: .success) {
            // Another connection first: SQLite is initialised with its statistics on, and the store cannot change that.
            var other: OpaquePointer?
            guard sqlite3_open(":memory:", &other) == SQLITE_OK else { exit(EXIT_FAILURE) }
            let store = try SQLiteProcessStore.temporary()
            try await store.create(ProcessID("p"), at: Date())
            let found = try await store.processes(ProcessQuery()).map(\.id)
            sqlite3_close(other)
            exit(found == [ProcessID("p")] && sqlite3_memory_used() > 0 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }
}
