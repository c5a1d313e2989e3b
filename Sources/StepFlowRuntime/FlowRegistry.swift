/// The flows a worker and a client know, by name (each name carries its flow's version).
public struct FlowRegistry: Sendable {
    private var flows: [String: any RegisteredFlow] = [:]
    private var migrationsByFlows: [String: FlowMigration] = [:]

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

    /// A registry with the given flows and migrations between them.
    ///
    /// - Throws: as ``init(_:)`` and ``register(_:)-(FlowMigration)`` do.
    public init(_ flows: [any RegisteredFlow], migrations: [FlowMigration]) throws {
        try self.init(flows)
        for migration in migrations { try register(migration) }
    }

    /// Adds a migration between two registered flows, checked against both: every step of the old flow must map to a
    /// step the new flow can run (and every compensable step to a compensable one).
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.unknownFlow` when either flow is not registered; `.invalidMigration`
    ///   naming the unmapped steps, with the steps the new flow has; `.duplicateFlow` when a migration between the
    ///   same flows is registered.
    public mutating func register(_ migration: FlowMigration) throws {
        for name in [migration.from, migration.to] where flows[name] == nil {
            throw StepFlowRuntimeError(
                .unknownFlow, "the migration from '\(migration.from)' to '\(migration.to)' names flow '\(name)', which is not registered; "
                    + "register both flows first (registered: \(names.joined(separator: ", ")))"
            )
        }
        guard migration.from != migration.to else {
            throw StepFlowRuntimeError(.invalidMigration, "a migration must move processes to another flow, not from '\(migration.from)' to itself")
        }
        let old = flows[migration.from]!, new = flows[migration.to]!
        let unmapped = migration.unmappedSteps(from: old, to: new)
        guard unmapped.isEmpty else {
            throw StepFlowRuntimeError(
                .invalidMigration,
                "the migration from '\(migration.from)' to '\(migration.to)' leaves states of '\(migration.from)' without a state of "
                    + "'\(migration.to)': \(unmapped.joined(separator: "; ")). Map them with `steps` or `mapStep`; the steps of "
                    + "'\(migration.to)' are: \(new.stepTargets.joined(separator: ", "))"
            )
        }
        let key = migration.from + "\u{0}" + migration.to
        guard migrationsByFlows[key] == nil else {
            throw StepFlowRuntimeError(.duplicateFlow, "a migration from '\(migration.from)' to '\(migration.to)' is already registered")
        }
        migrationsByFlows[key] = migration
    }

    /// The migration registered from flow `from` to flow `to`, or `nil`.
    public func migration(from: String, to: String) -> FlowMigration? {
        migrationsByFlows[from + "\u{0}" + to]
    }

    /// Every registered migration, by old then new flow name.
    public var migrations: [FlowMigration] {
        migrationsByFlows.values.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
    }
}
