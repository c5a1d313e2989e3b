import StepFlowRuntime

/// The DETAIL column of `stepflow show`'s history: the error, the operator's reason, or the state after the step; an
/// entry that stands for many polls of one wait starts with them (`polled 1,440 times, 12:00–14:00`).
enum HistoryDetail {
    static func text(of entry: HistoryEntry) -> String {
        let detail = entry.error ?? entry.reason.map { "reason: \($0)" } ?? "→ \(entry.after.events.joined(separator: ", "))"
        guard let polls = entry.pollSummary else { return detail }
        return "\(polls); \(detail)"
    }
}
