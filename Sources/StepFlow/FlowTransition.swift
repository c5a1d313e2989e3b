/// One transition of a compiled flow: the event it leaves from and every event it may lead to.
///
/// `flow.transitions` lists them all, in definition order — the data needed to draw a flow
/// or to check it (for instance, that every state a process may be in is handled).
public struct FlowTransition: Sendable, Hashable {
    /// Why a transition goes to a destination.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        /// A human-readable reason, e.g. `WaitFor condition is met`.
        public let description: String
        private init(_ description: String) { self.description = description }

        /// A structural link: no user code decides it.
        public static let structural = Reason("structural")
        /// A `Do` step's action returned.
        public static let completed = Reason("completed")
        /// A `WaitFor` condition returned `true`.
        public static let waitForConditionMet = Reason("WaitFor condition is met")
        /// A `WaitFor` condition returned `false`.
        public static let waitForConditionNotMet = Reason("WaitFor condition is not met")
        /// A `Case` condition returned `true`.
        public static let caseConditionMet = Reason("Case condition is met")
        /// A `Case` condition returned `false`.
        public static let caseConditionNotMet = Reason("Case condition is not met")
        /// A `LoopUntil` condition returned `true`.
        public static let loopUntilConditionMet = Reason("LoopUntil condition is met")
        /// A `LoopUntil` condition returned `false`.
        public static let loopUntilConditionNotMet = Reason("LoopUntil condition is not met")
        /// The step threw and an enclosing `Retry` handler asked to restart its group.
        public static let retry = Reason("retry")
        /// A `Sleep`'s time has come.
        public static let sleepElapsed = Reason("Sleep time has come")
        /// An `AwaitSignal` consumed its signal.
        public static let signalReceived = Reason("signal received")
        /// A `WaitFor` or `AwaitSignal` with a timeout ran out of time.
        public static let timedOut = Reason("timed out")
        /// A `Parallel` group starts all its branches.
        public static let branchStarted = Reason("branch started")
        /// Every branch of a `Parallel` group has completed.
        public static let allBranchesCompleted = Reason("all branches completed")
        /// A step failed and no `Retry` restarted it: the flow fails, and the compensations of the steps done run.
        public static let failed = Reason("failed")
    }

    /// A possible destination and why it would be taken.
    public struct Destination: Sendable, Hashable {
        /// The event the state becomes.
        public let event: String
        /// Why.
        public let reason: Reason
    }

    /// The event the transition leaves from.
    public let source: String
    /// The path of the item that owns the transition.
    public let itemPath: String
    /// Whether the transition runs user code (a `Do` action or a condition); `apply` stops after one.
    public let isStep: Bool
    /// Every event the transition may lead to.
    public let destinations: [Destination]
}
