/// An error raised by StepFlow itself: a flow that cannot be built, or a state it does not know.
///
/// Errors thrown by your own steps are never wrapped: `apply` rethrows them unchanged.
public struct StepFlowError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of error this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case duplicatePath
            case invalidName
            case unknownState
            case invalidDefinition
            case environmentRequired
            case invalidTarget
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Two items of a flow have the same path (the same name in one group after suffixes, or names with `/`
        /// that spell another item's path): their events would be one transition source, which go-stepflow refuses too.
        public static let duplicatePath = Code(.duplicatePath)
        /// Never thrown: every name go-stepflow accepts (empty, or containing `/` or `:`) is accepted.
        @available(*, deprecated, message: "never thrown: every name is accepted; path collisions are duplicatePath")
        public static let invalidName = Code(.invalidName)
        /// A state has no event this flow knows.
        public static let unknownState = Code(.unknownState)
        /// A flow's definition is inconsistent: a `Parallel` without branches, a `Retry` policy without attempts,
        /// one signal awaited with two payload types.
        public static let invalidDefinition = Code(.invalidDefinition)
        /// A flow with timers, signals, parallel branches or compensations was applied without a ``StepEnvironment``.
        public static let environmentRequired = Code(.environmentRequired)
        /// A step a process was to be moved to (a rewind, a migration) is not one the flow can move it to: unknown,
        /// inside a `Parallel` branch, or a group. The message lists the steps that can be targeted.
        public static let invalidTarget = Code(.invalidTarget)

        /// The code's name.
        public var description: String {
            switch base {
            case .duplicatePath: "duplicatePath"
            case .invalidName: "invalidName"
            case .unknownState: "unknownState"
            case .invalidDefinition: "invalidDefinition"
            case .environmentRequired: "environmentRequired"
            case .invalidTarget: "invalidTarget"
            }
        }
    }

    /// What kind of error this is.
    public let code: Code
    /// The path of the item concerned, for construction errors.
    public let path: String?
    /// The state concerned, for ``Code/unknownState``.
    public let state: FlowState?
    /// A sentence that says what happened and what to do.
    public let message: String

    /// The message.
    public var description: String { message }

    static func duplicatePath(_ path: String, flow: String) -> StepFlowError {
        StepFlowError(
            code: .duplicatePath, path: path, state: nil,
            message: "flow '\(flow)': two items have the path '\(path)'; an item's path (its names from the root joined by '/', "
                + "with WaitFor, Case, LoopUntil and Retry appending their kind to the name) must be unique in the flow"
        )
    }

    static func invalidDefinition(_ message: String, path: String) -> StepFlowError {
        StepFlowError(code: .invalidDefinition, path: path, state: nil, message: message)
    }

    static func environmentRequired(flow: String) -> StepFlowError {
        StepFlowError(
            code: .environmentRequired, path: nil, state: nil,
            message: "flow '\(flow)' uses Sleep, AwaitSignal, a scheduled WaitFor, a Retry policy, Parallel or a compensation: "
                + "apply it with applyStep(_:context:environment:), which gives it the time and the signals received"
        )
    }

    /// A step that cannot be targeted by a move (see ``StepFlow/rewound(_:to:)``).
    static func invalidTarget(_ message: String) -> StepFlowError {
        StepFlowError(code: .invalidTarget, path: nil, state: nil, message: message)
    }

    /// A state the flow cannot read (a malformed annotation of an extended flow).
    static func unreadableState(_ state: FlowState, flow: String, reason: String) -> StepFlowError {
        StepFlowError(
            code: .unknownState, path: nil, state: state,
            message: "flow '\(flow)' cannot read state \(state): \(reason)"
        )
    }

    @usableFromInline
    static func unknownState(_ state: FlowState, flow: String) -> StepFlowError {
        StepFlowError(
            code: .unknownState, path: nil, state: state,
            message: "flow '\(flow)' has no transition for state \(state); the state was written by another flow or another version of it"
        )
    }
}
