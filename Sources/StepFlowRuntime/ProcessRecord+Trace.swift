extension ProcessRecord {
    /// The id of the process's trace (32 hex digits), from ``traceContext``; `nil` when the process has none (it
    /// was created before StepFlow saved traces, or by a caller that gave none).
    public var traceID: String? {
        traceContext.flatMap(TraceParent.init).map(\.traceID)
    }
}
