import Foundation
import StepFlowRuntime

extension ProcessQuery {
    /// The processes changed at or after `time` (with `statuses`, if given): a query for the live event stream and
    /// the overview, which look at what changed lately.
    ///
    /// The SQL stores read running and waiting processes' update times from the claims' index alone, finished ones
    /// from an index of their update times, paused ones from theirs (see the stores' searches by status), and sort
    /// the few found by id. The range is closed by a time far in the future, so that a writer whose clock is ahead is
    /// still included: a two-sided range is what SQLite's planner (without statistics for ranges) estimates as
    /// narrow, so it reads the finished processes' index rather than walking every finished process.
    static func changed(since time: Date, statuses: Set<ProcessStatus>? = nil, limit: Int) -> ProcessQuery {
        ProcessQuery(statuses: statuses, limit: limit, updatedAfter: time, updatedBefore: endOfTime)
    }

    /// 3000-01-01: later than any process's last change.
    static let endOfTime = Date(timeIntervalSince1970: 32_503_680_000)
}
