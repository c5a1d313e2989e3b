/// What ``StepFlowClient/migrate(from:to:matching:dryRun:reason:by:batchSize:)`` did (or, for a dry run, would do).
public struct MigrationReport: Sendable, Hashable {
    /// A process left untouched, and why.
    public struct LeftUntouched: Sendable, Hashable {
        /// The process.
        public var id: ProcessID
        /// Why it was not moved: its state has no mapping, its data cannot be decoded as the new flow's, it changed
        /// meanwhile.
        public var reason: String

        /// A process left untouched.
        public init(id: ProcessID, reason: String) {
            self.id = id
            self.reason = reason
        }
    }

    /// The old flow.
    public var from: String
    /// The new flow.
    public var to: String
    /// Whether nothing was moved because this was a dry run.
    public var dryRun: Bool
    /// How many processes of the old flow the query selected.
    public var matched = 0
    /// How many processes were moved (for a dry run: how many would be).
    public var migrated = 0
    /// A few of the moved processes, for a person to check.
    public var sample: [ProcessID] = []
    /// The processes left untouched, each with its reason.
    public var leftUntouched: [LeftUntouched] = []

    /// An empty report.
    public init(from: String, to: String, dryRun: Bool) {
        self.from = from
        self.to = to
        self.dryRun = dryRun
    }
}
