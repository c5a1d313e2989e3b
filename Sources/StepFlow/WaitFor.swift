/// A step that polls a condition until it holds.
///
/// Each apply evaluates the condition once: `true` → `completed:<path>`; `false` → `start:<path>` again,
/// so the caller can save the state and poll later. The path's last name is the given name
/// followed by `WaitFor` (`WaitFor("merged")` → `…/mergedWaitFor`), as in go-stepflow.
public struct WaitFor<Context>: FlowComponent {
    /// The name as given (without the `WaitFor` suffix).
    public let name: String
    let condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool
    /// The poll schedule, if given: the step then reports when it should be polled next.
    public let schedule: PollSchedule?
    /// How long to wait before failing with ``StepTimeoutError``, if at all.
    public let timeout: Duration?

    /// Waits until `condition` returns `true`.
    public init(_ name: String, _ condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool) {
        self.name = name
        self.condition = condition
        self.schedule = nil
        self.timeout = nil
    }

    /// Waits until `condition` returns `true`, polling it `every` interval (growing by `backoff`), and fails with
    /// ``StepTimeoutError`` after `timeout`.
    ///
    /// The time the wait started, the number of polls and the time of the next poll are saved in the state
    /// (`wait:<since>:<polls>:<next>:<path>`), so the schedule and the timeout hold across restarts.
    public init(
        _ name: String,
        every interval: Duration,
        backoff: PollBackoff? = nil,
        timeout: Duration? = nil,
        _ condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool
    ) {
        self.name = name
        self.condition = condition
        self.schedule = PollSchedule(
            interval: interval, multiplier: backoff?.multiplier ?? 1, maxInterval: backoff?.max ?? interval
        )
        self.timeout = timeout
    }

    /// Waits until `condition` returns `true`, and fails with ``StepTimeoutError`` after `timeout`; the caller
    /// decides when to poll.
    public init(
        _ name: String,
        timeout: Duration,
        _ condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool
    ) {
        self.name = name
        self.condition = condition
        self.schedule = nil
        self.timeout = timeout
    }

    /// The single item this step adds.
    public var body: FlowBody<Context> {
        if schedule == nil, timeout == nil {
            return FlowBody(nodes: [.waitFor(name: name, condition: condition)])
        }
        return FlowBody(nodes: [.scheduledWait(name: name, condition: condition, schedule: schedule, timeout: timeout)])
    }
}
