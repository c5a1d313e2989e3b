import Foundation
import StepFlowRuntime

/// What the overview shows, accumulated from the records page by page: counts by status and flow, the due backlog
/// and the age of the oldest due process, failures of the last hour grouped by error, and which processes changed in
/// the last hour (whose histories give the steps per minute). Pure: tested without a store.
struct OverviewFigures: Sendable {
    let now: Date
    var total = 0
    var byStatus: [ProcessStatus: Int] = [:]
    var byFlow: [String: [ProcessStatus: Int]] = [:]
    /// Active processes due at or before now (not leased past it).
    var dueBacklog = 0
    /// The earliest due time among them.
    var oldestDue: Date?
    /// Failed in the last hour, by error (first line).
    var failuresByError: [String: Int] = [:]
    /// Processes changed in the last hour, the most recent first (at most ``recentLimit``).
    var recentlyChanged: [(id: ProcessID, updatedAt: Date)] = []
    /// Steps started in each of the last 60 minutes (index 59 is the current minute), from the histories read.
    var stepsPerMinute = [Int](repeating: 0, count: 60)

    /// How many recently changed processes' histories the steps-per-minute chart reads.
    static let recentLimit = 200

    init(now: Date) { self.now = now }

    mutating func add(_ record: ProcessRecord) {
        total += 1
        byStatus[record.status, default: 0] += 1
        byFlow[record.flowName, default: [:]][record.status, default: 0] += 1
        if record.status.isActive, let due = record.dueAt, due <= now, (record.lease.map { $0.expiresAt <= now } ?? true) {
            dueBacklog += 1
            oldestDue = min(oldestDue ?? due, due)
        }
        let hourAgo = now.addingTimeInterval(-3600)
        guard record.updatedAt >= hourAgo else { return }
        if record.status == .failed {
            let error = (record.lastError ?? "failed").split(separator: "\n").first.map(String.init) ?? "failed"
            failuresByError[String(error.prefix(200)), default: 0] += 1
        }
        recentlyChanged.append((record.id, record.updatedAt))
        if recentlyChanged.count > Self.recentLimit * 2 { trimRecent() }
    }

    /// Keeps the most recent ``recentLimit``.
    mutating func trimRecent() {
        recentlyChanged.sort { $0.updatedAt > $1.updatedAt }
        if recentlyChanged.count > Self.recentLimit { recentlyChanged.removeLast(recentlyChanged.count - Self.recentLimit) }
    }

    /// Counts the history entries that started in the last hour into their minute.
    mutating func addSteps(_ history: [HistoryEntry]) {
        for entry in history {
            let age = now.timeIntervalSince(entry.startedAt)
            guard age >= 0, age < 3600 else { continue }
            stepsPerMinute[59 - Int(age / 60)] += 1
        }
    }

    /// How long the oldest due process has waited, in seconds (0 without backlog).
    var oldestDueAge: Double { oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0 }
}
