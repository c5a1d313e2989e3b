/// The flows a worker and a client know, by name (each name carries its flow's version).
public struct FlowRegistry: Sendable {
    private var flows: [String: any RegisteredFlow] = [:]

    /// An empty registry.
    public init() {}

    /// A registry with the given flows.
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.duplicateFlow` when two have the same name.
    public init(_ flows: [any RegisteredFlow]) throws {
        for flow in flows { try register(flow) }
    }

    /// Adds a flow.
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.duplicateFlow` when a flow with the same name is registered:
    ///   a changed definition must get a new name (`deploy.v2`), so that stored processes keep theirs.
    public mutating func register(_ flow: any RegisteredFlow) throws {
        guard flows[flow.name] == nil else {
            throw StepFlowRuntimeError(
                .duplicateFlow,
                "a flow named '\(flow.name)' is already registered; give a changed definition a new versioned name (e.g. '\(flow.name).v2')"
            )
        }
        flows[flow.name] = flow
    }

    /// The flow registered under `name`, or `nil`.
    public func flow(named name: String) -> (any RegisteredFlow)? { flows[name] }

    /// The registered names, sorted.
    public var names: [String] { flows.keys.sorted() }
}
