// FAST PATH. Turns SQLite's memory statistics off (SQLITE_CONFIG_MEMSTATUS) before the process's first connection.
// Why: while they are on, SQLite takes a process-wide mutex around every allocation to count it: 7% of the
// instructions of a step's save and claim (callgrind on `RuntimeBenchmarks phases`; see RUNTIME_RESULTS.md). The
// store reads no statistics.
// Contract: once per process, from the first store whose configuration allows it; it takes effect only when SQLite is
// not initialised yet (sqlite3_config's rule) and otherwise changes nothing. Tested directly, in processes of their
// own, in Tests/StepFlowSQLiteTests/SQLiteMemoryStatisticsTests.swift.
import CStepFlowSQLite

/// SQLite's process-wide memory statistics, as the store leaves them.
enum SQLiteMemoryStatistics {
    /// Whether the store turned them off: `false` when SQLite was initialised before the first store asked.
    static let turnedOff = stepflow_sqlite3_turn_off_memory_statistics() == SQLITE_OK
}
