/// What a step of a flow with timers or signals needs from its caller: the time, the signals received,
/// and a source of jitter.
///
/// Flows built from go-stepflow's six constructs need none of it and may be applied with
/// ``StepFlow/apply(_:context:)``. A flow with a ``Sleep``, an ``AwaitSignal``, a ``WaitFor`` with a schedule,
/// a ``Retry`` policy, a ``Parallel`` group or a compensation is applied with
/// ``StepFlow/applyStep(_:context:environment:)``.
public struct StepEnvironment: Sendable {
    /// The current time: timers that are due at or before it fire.
    public var now: FlowTime
    /// How many signals of each name the process has received so far (consumed or not). An ``AwaitSignal``
    /// step completes when more signals of its name were received than the process has consumed.
    public var receivedSignals: [String: Int]
    /// A number in `0..<1` that spreads the delays of ``RetryPolicy`` with `jitter` (a runtime passes a random
    /// number; a test passes a fixed one).
    public var jitter: Double
    /// Called with an item's path right before its user code (an action, a condition or a compensation) runs, so
    /// that a runtime can name the step in its logs (in a ``Parallel`` group, the step is known only then).
    public var stepWillRun: (@Sendable (String) -> Void)?

    /// An environment at `now`.
    public init(
        now: FlowTime,
        receivedSignals: [String: Int] = [:],
        jitter: Double = 0.5,
        stepWillRun: (@Sendable (String) -> Void)? = nil
    ) {
        self.now = now
        self.receivedSignals = receivedSignals
        self.jitter = min(max(jitter, 0), 0.999_999)
        self.stepWillRun = stepWillRun
    }
}
