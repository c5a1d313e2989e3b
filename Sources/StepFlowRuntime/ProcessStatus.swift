/// Where a process is in its life.
public enum ProcessStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Due (or being run): its next step runs as soon as a worker claims it.
    case running
    /// Waiting for a `WaitFor` condition or a requested delay: due again at its due time.
    case waiting
    /// Ran to the end of its flow.
    case completed
    /// Stopped by an error; see `lastError`. A failed process can be resumed.
    case failed
    /// Cancelled by a client; see `lastError` for the reason.
    case cancelled
    /// Paused by an operator (``StepFlowClient/pause(_:reason:by:)``): no worker claims it until it is unpaused.
    /// Its due time is kept, and signals sent to it are stored; it is neither active nor finished.
    case paused

    /// Whether the process still has steps to run and a worker may claim it (running or waiting).
    public var isActive: Bool { self == .running || self == .waiting }

    /// Whether the process has reached an end (completed, failed or cancelled). A paused process has not.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }

    /// The status's name.
    public var description: String { rawValue }
}
