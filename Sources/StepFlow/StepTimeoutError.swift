/// The error a ``WaitFor`` or an ``AwaitSignal`` with a `timeout` fails with when its time is up.
///
/// Like any step error it is offered to the enclosing ``Retry`` groups first, then starts the flow's
/// compensation (or fails the apply).
public struct StepTimeoutError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path of the step that timed out.
    public let path: String
    /// The timeout it was given.
    public let timeout: Duration
    /// When the wait started.
    public let since: FlowTime

    /// What happened.
    public var description: String {
        "step '\(path)' timed out: still waiting after \(timeout)"
    }
}
