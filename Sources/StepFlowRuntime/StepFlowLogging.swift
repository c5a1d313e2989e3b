public import Logging

/// The logger metadata StepFlow writes: one set of keys everywhere (runtime, stores, CLI).
///
/// | key | value |
/// | --- | --- |
/// | `stepflow.process` | the process's id |
/// | `stepflow.flow` | the process's flow |
/// | `stepflow.step` | the step's path |
/// | `stepflow.worker` | the worker's id |
/// | `stepflow.trace_id` | the process's trace id (from ``metadataProvider``, while one of its steps runs) |
public enum StepFlowLogging {
    /// The key of a process's id.
    public static let process = "stepflow.process"
    /// The key of a flow's name.
    public static let flow = "stepflow.flow"
    /// The key of a step's path.
    public static let step = "stepflow.step"
    /// The key of a worker's id.
    public static let worker = "stepflow.worker"
    /// The key of a process's trace id.
    public static let traceID = "stepflow.trace_id"

    /// Adds `stepflow.trace_id` to the logs written while a step runs: give it to `LoggingSystem.bootstrap`
    /// (`LoggingSystem.bootstrap(StreamLogHandler.standardError, metadataProvider: StepFlowLogging.metadataProvider)`).
    public static let metadataProvider = Logger.MetadataProvider {
        guard let text = ProcessTrace.current, let parent = TraceParent(text) else { return [:] }
        return [traceID: "\(parent.traceID)"]
    }
}
