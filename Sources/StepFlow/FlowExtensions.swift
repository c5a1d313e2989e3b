/// What the constructs beyond go-stepflow's add to a compiled flow, by item id.
struct FlowExtensions<Context>: Sendable {
    /// A `WaitFor`'s schedule and timeout.
    struct Wait: Sendable {
        let schedule: PollSchedule?
        let timeout: Duration?
    }

    /// An `AwaitSignal`'s signal.
    struct Signal: Sendable {
        let name: String
        let payloadType: any (Decodable & Sendable).Type
        let timeout: Duration?
    }

    /// `Sleep` durations.
    var sleeps: [Int32: Duration] = [:]
    /// `WaitFor`s with a schedule or a timeout.
    var waits: [Int32: Wait] = [:]
    /// `AwaitSignal`s.
    var signals: [Int32: Signal] = [:]
    /// The compensations of `Do`s that have one.
    var compensations: [Int32: CompiledAction<Context>] = [:]
    /// Each `Parallel`'s branches.
    var branches: [Int32: [Int32]] = [:]
    /// Each branch's `Parallel`.
    var parallelOfBranch: [Int32: Int32] = [:]
    /// Item path → item id.
    var itemIDs: [String: Int32] = [:]
}
