import Foundation
public import StepFlow

/// A flow whose processes are durable: each has a typed input, typed data saved with its state after every
/// step, and is run by a ``FlowWorker`` from a ``ProcessStore``.
///
/// ```swift
/// struct DeployInput: Codable, Sendable { var app: String }
/// struct DeployData: Codable, Sendable { var pullRequest: Int? }
///
/// let deploy = try ProcessFlow<DeployInput, DeployData>("deploy.v1", initialData: { _ in DeployData() }) {
///     Do("createPullRequest") { context in context.data.pullRequest = try await git.open(context.input.app) }
///     WaitFor("merged") { context in try await git.isMerged(context.data.pullRequest!) }
/// }
/// ```
///
/// The name carries the version: when a flow's steps change in a way that stored states would not match,
/// register the new definition under a new name (`deploy.v2`) and keep the old one until its processes finish.
public struct ProcessFlow<Input: Codable & Sendable, Data: Codable & Sendable>: Sendable {
    /// The context every step receives.
    public typealias Context = StepContext<Input, Data>

    /// The flow's name (with its version): `flow.name`, kept here because reading it through `flow` from the
    /// runtime's unspecialised code looks the context type's generic metadata up at each read.
    public let name: String
    /// The underlying step flow.
    public let flow: StepFlow<Context>
    /// Makes a new process's data from its input.
    public let initialData: @Sendable (Input) -> Data
    /// How long to wait before re-checking a `WaitFor` that is not yet true, by the `WaitFor`'s path;
    /// others use the worker's poll interval.
    public var pollIntervals: [String: Duration]
    /// How long a process waiting only for a signal sleeps before it looks at its inbox again: a safety net for a
    /// signal that came while a worker held the process and that the worker could not pass on (it died right after
    /// saving, or the process is advanced with `StepFlowClient.advance`). A signal sent to an idle process wakes it at
    /// once, and a worker wakes the processes that got a signal during its round. Default: one minute.
    public var signalRecheckInterval: Duration = .seconds(60)
    /// The input's and data's JSON, decoded and encoded once, when their types have no stored properties.
    let inputCoding: EmptyValueCoding<Input>?
    let dataCoding: EmptyValueCoding<Data>?
    /// Whether the flow's steps need the process's signals (timers, signals, parallel branches or compensations):
    /// a worker reads the inbox only for such flows. Computed once, from the compiled flow.
    public let readsSignals: Bool
    /// The signals the flow's `AwaitSignal` steps wait for, with their payload types; computed once.
    public let awaitedSignals: [String: any (Decodable & Sendable).Type]

    /// A durable flow from an existing step flow.
    public init(_ flow: StepFlow<Context>, pollIntervals: [String: Duration] = [:], initialData: @escaping @Sendable (Input) -> Data) {
        self.name = flow.name
        self.flow = flow
        self.initialData = initialData
        self.pollIntervals = pollIntervals
        self.inputCoding = .ifEmpty()
        self.dataCoding = .ifEmpty()
        self.readsSignals = flow.isExtended
        self.awaitedSignals = flow.awaitedSignals
    }

    /// A durable flow named `name` with the given steps.
    public init(
        _ name: String,
        pollIntervals: [String: Duration] = [:],
        initialData: @escaping @Sendable (Input) -> Data,
        @StepsBuilder<Context> _ steps: () throws -> FlowBody<Context>
    ) throws {
        self.init(try StepFlow(name, steps), pollIntervals: pollIntervals, initialData: initialData)
    }
}
