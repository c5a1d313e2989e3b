/// A durable timer: the flow waits `duration` before going on.
///
/// ```swift
/// Sleep("coolDown", for: .minutes(30))
/// ```
///
/// When the process reaches the step, the wake-up time is written into the state
/// (`sleep:<until>:<path>`, milliseconds since 1970), so it survives restarts: a process asleep while its
/// worker is down wakes once, on time, or at once when the time has passed. No task sleeps: a runtime
/// schedules the process at ``StepResult/notBefore``. The path's last name is the given name followed by `Sleep`.
public struct Sleep<Context>: FlowComponent {
    /// The name as given (without the `Sleep` suffix).
    public let name: String
    /// How long to wait.
    public let duration: Duration

    /// Waits `duration` from the moment the process reaches this step.
    public init(_ name: String, for duration: Duration) {
        self.name = name
        self.duration = duration
    }

    /// The single item this step adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.sleep(name: name, duration: duration)])
    }
}
