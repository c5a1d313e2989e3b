/// What ``StepFlowClient/bulk(_:matching:by:batchSize:)`` does to each process a query selects.
public enum BulkAction: Sendable, Hashable {
    /// Cancel each process (``StepFlowClient/cancel(_:reason:by:)``).
    case cancel(reason: String)
    /// Resume each failed process (``StepFlowClient/resume(_:by:)``).
    case resume
    /// Wake each running or waiting process (``StepFlowClient/wake(_:by:)``).
    case wake
    /// Pause each running or waiting process (``StepFlowClient/pause(_:reason:by:)``).
    case pause(reason: String)
    /// Unpause each paused process (``StepFlowClient/unpause(_:by:)``).
    case unpause
    /// Rewind each process to the step `to` (``StepFlowClient/rewind(_:to:reason:by:)``): any status.
    case rewind(to: String, reason: String)

    /// The action's name, as the CLI and history name it.
    public var name: String {
        switch self {
        case .cancel: "cancel"
        case .resume: "resume"
        case .wake: "wake"
        case .pause: "pause"
        case .unpause: "unpause"
        case .rewind: "rewind"
        }
    }

    /// Why the action skips `record` without trying (the reasons a ``BulkResult`` counts), or `nil` when it applies.
    public func skipReason(for record: ProcessRecord) -> String? {
        switch self {
        case .cancel:
            if record.status == .cancelled { return "already cancelled" }
            return record.status.isFinished ? "already finished" : nil
        case .resume:
            if record.status == .paused { return "paused" }
            return record.status == .failed ? nil : "not failed"
        case .wake:
            if record.status == .paused { return "paused" }
            return record.status.isFinished ? "already finished" : nil
        case .pause:
            if record.status == .paused { return "already paused" }
            return record.status.isFinished ? "already finished" : nil
        case .unpause:
            return record.status == .paused ? nil : "not paused"
        case .rewind:
            return nil
        }
    }

    /// The command the action applies to one process (`nil` for a rewind, whose state the process's flow computes).
    var command: ProcessCommand? {
        switch self {
        case let .cancel(reason): .cancel(reason: reason)
        case .resume: .resume
        case .wake: .wake
        case let .pause(reason): .pause(reason: reason)
        case .unpause: .unpause
        case .rewind: nil
        }
    }
}

/// What a bulk action did (``StepFlowClient/bulk(_:matching:by:batchSize:)``).
public struct BulkResult: Sendable, Hashable {
    /// How many processes the query selected.
    public var matched: Int
    /// How many processes the action changed.
    public var acted: Int
    /// How many processes were skipped, by reason ("already finished", "not paused", …).
    public var skipped: [String: Int]

    /// A result.
    public init(matched: Int = 0, acted: Int = 0, skipped: [String: Int] = [:]) {
        self.matched = matched
        self.acted = acted
        self.skipped = skipped
    }

    /// How many processes were skipped, for every reason.
    public var skippedCount: Int { skipped.values.reduce(0, +) }
}

/// What ``StepFlowClient/purge(finishedBefore:flow:statuses:dryRun:batchSize:)`` deleted (or, for a dry run, would delete).
public struct PurgeResult: Sendable, Hashable {
    /// How many processes were deleted (for a dry run: how many match).
    public var deleted: Int
    /// Whether nothing was deleted because this was a dry run.
    public var dryRun: Bool
    /// A few of the ids, for a person to check.
    public var sample: [ProcessID]

    /// A result.
    public init(deleted: Int, dryRun: Bool, sample: [ProcessID] = []) {
        self.deleted = deleted
        self.dryRun = dryRun
        self.sample = sample
    }
}
