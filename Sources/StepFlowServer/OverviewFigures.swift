import Foundation
import StepFlowRuntime

/// What the overview shows: counts by status and flow (from the store's statistics), the due backlog and the age of
/// the oldest due process, failures of the last hour grouped by error, and steps per minute over the last hour
/// (from the histories of processes changed in that hour). Pure: tested without a store.
struct OverviewFigures: Sendable {
    let now: Date
    var total = 0
    var byStatus: [ProcessStatus: Int] = [:]
    var byFlow: [String: [ProcessStatus: Int]] = [:]
    /// Active processes due now.
    var dueBacklog = 0
    /// The earliest due time among them.
    var oldestDue: Date?
    /// Failed in the last hour, by error (first line).
    var failuresByError: [String: Int] = [:]
    /// How many processes' histories the steps per minute were read from.
    var historiesRead = 0
    /// Steps started in each of the last 60 minutes (index 59 is the current minute).
    var stepsPerMinute = [Int](repeating: 0, count: 60)

    /// How many recently changed processes' histories the steps-per-minute chart reads.
    static let recentLimit = 200
    /// How many failed processes of the last hour are grouped by error.
    static let failureLimit = 5000

    init(now: Date) { self.now = now }

    /// The counts by status and flow.
    mutating func count(_ statistics: ProcessStatistics) {
        for group in statistics.groups {
            total += group.count
            byStatus[group.status, default: 0] += group.count
            byFlow[group.flowName, default: [:]][group.status, default: 0] += group.count
        }
    }

    /// The backlog: `count` processes due now, the earliest due at `earliest` (counted only when it has passed).
    mutating func backlog(count: Int, earliest: Date?) {
        dueBacklog = count
        oldestDue = count > 0 ? earliest.flatMap { $0 <= now ? $0 : nil } : nil
    }

    /// Counts a failed process under its error's first line, if it failed in the last hour.
    mutating func addFailure(_ record: ProcessRecord) {
        guard record.status == .failed, record.updatedAt >= now.addingTimeInterval(-3600) else { return }
        let error = (record.lastError ?? "failed").split(separator: "\n").first.map(String.init) ?? "failed"
        failuresByError[String(error.prefix(200)), default: 0] += 1
    }

    /// Counts the history entries that started in the last hour into their minute.
    mutating func addSteps(_ history: [HistoryEntry]) {
        historiesRead += 1
        for entry in history {
            let age = now.timeIntervalSince(entry.startedAt)
            guard age >= 0, age < 3600 else { continue }
            stepsPerMinute[59 - Int(age / 60)] += 1
        }
    }

    /// How long the oldest due process has waited, in seconds (0 without backlog).
    var oldestDueAge: Double { oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0 }
}
