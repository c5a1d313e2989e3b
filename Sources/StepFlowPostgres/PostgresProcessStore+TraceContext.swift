extension PostgresProcessStore {
    /// Migration 6: each process keeps the W3C `traceparent` of its trace (`ProcessRecord.traceContext`), so that
    /// its steps' spans, on any worker and after any restart, belong to one trace.
    static let traceContextMigration = Migration(version: 6, name: "trace context", statements: [
        "ALTER TABLE {schema}.processes ADD COLUMN trace_context text",
    ])
}
