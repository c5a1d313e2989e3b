extension NewProcess {
    /// The trace a process created now joins, as a W3C `traceparent`: the active span's, or a new trace's. What
    /// ``StepFlowClient/start(_:id:input:labels:)`` saves; for callers that create processes with ``ProcessStore/create(_:)-(NewProcess)``
    /// directly (give it as ``traceContext``).
    public static func currentTraceContext() -> String {
        ProcessTrace.contextForNewProcess()
    }
}
