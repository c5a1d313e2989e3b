import GRDB

extension SQLiteProcessStore {
    /// Migration `v5`: each process keeps the W3C `traceparent` of its trace (`ProcessRecord.traceContext`), so
    /// that its steps' spans, on any worker and after any restart, belong to one trace.
    static func registerTraceContextMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5") { db in
            try db.execute(sql: "ALTER TABLE processes ADD COLUMN trace_context TEXT")
        }
    }
}
