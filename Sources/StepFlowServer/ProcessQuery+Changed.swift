import Foundation
import StepFlowRuntime

extension ProcessQuery {
    /// The processes changed at or after `time` (with `statuses`, if given): a query for the live event stream and
    /// the overview, which look at what changed lately.
    ///
    /// The range is closed by a time far in the future, so that a writer whose clock is ahead is still included: a
    /// two-sided range is what SQLite's planner (without statistics for ranges) estimates as narrow, so it reads the
    /// `updated_at` index and sorts the few processes found by id, instead of walking every process in id order to
    /// find those changed lately.
    static func changed(since time: Date, statuses: Set<ProcessStatus>? = nil, limit: Int) -> ProcessQuery {
        ProcessQuery(statuses: statuses, limit: limit, updatedAfter: time, updatedBefore: endOfTime)
    }

    /// 3000-01-01: later than any process's last change.
    static let endOfTime = Date(timeIntervalSince1970: 32_503_680_000)
}
