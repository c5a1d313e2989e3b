extension ProcessSignal {
    /// The name of the signal ``StepFlowClient/cancel(_:reason:)`` sends to a process that has compensations to
    /// run (its payload is the reason, as UTF-8 text). Flows cannot await it.
    public static let cancellation = "stepflow.cancel"
}
