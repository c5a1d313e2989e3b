/// A step that waits until the process receives a signal — an approval, a webhook, another system's answer.
///
/// ```swift
/// AwaitSignal("approval", as: Approval.self, timeout: .hours(24))
/// ```
///
/// A runtime delivers signals (`client.signal(id, "approval", Approval(...))`) to the process's inbox, which
/// keeps them until the process reaches the step: a signal sent early, or while no worker runs, is not lost.
/// Each `AwaitSignal` consumes one signal of its name; the state counts those consumed
/// (`signal:<count>:<name>`), so a signal is never consumed twice. The payload is `Payload`, checked when the
/// signal is sent, and later steps read it from the runtime's context. With a `timeout`, the step fails with
/// ``StepTimeoutError`` when no signal came in time. The path's last name is the given name followed by
/// `AwaitSignal`.
public struct AwaitSignal<Context>: FlowComponent {
    /// The signal's name (also the step's name, without the `AwaitSignal` suffix).
    public let name: String
    /// The payload's type.
    public let payloadType: any (Decodable & Sendable).Type
    /// How long to wait before failing, if at all.
    public let timeout: Duration?

    /// Waits for a signal named `name` whose payload is a `Payload`.
    public init<Payload: Codable & Sendable>(_ name: String, as payloadType: Payload.Type, timeout: Duration? = nil) {
        self.name = name
        self.payloadType = payloadType
        self.timeout = timeout
    }

    /// The single item this step adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.awaitSignal(name: name, payloadType: payloadType, timeout: timeout)])
    }
}
