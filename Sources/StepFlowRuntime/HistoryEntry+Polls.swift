import Foundation

/// Bounded history for polls: consecutive `waiting` outcomes of one step are one entry, updated at each poll, so a
/// `WaitFor` polled every 5 s for a day leaves one entry, not 17,280.
///
/// The rule lives here; the SQL stores spell the same rule in their commit statements (the process's last history
/// row is updated when it is a `waiting` row of the same step), and the conformance suite checks that they agree.
extension HistoryEntry {
    /// Whether `next`, saved right after this entry (the process's last), is one more poll of the same wait, to be
    /// merged into this entry with ``absorbPoll(_:)`` rather than appended: both are `waiting` outcomes of the same
    /// step (or of no step: a process waiting for a time or a signal).
    public func absorbsPoll(_ next: HistoryEntry) -> Bool {
        outcome == .waiting && next.outcome == .waiting && stepPath == next.stepPath
    }

    /// Merges `next`, one more poll of this entry's wait: the entry keeps its sequence, first start time and state
    /// before; it takes `next`'s state after, error, worker and lease token; it counts one more poll, last polled at
    /// `next`'s start; its duration is the polls' total.
    public mutating func absorbPoll(_ next: HistoryEntry) {
        polls += 1
        lastPolledAt = next.startedAt
        after = next.after
        duration += next.duration
        error = next.error
        worker = next.worker
        leaseToken = next.leaseToken
    }

    /// The step count after the last of the entry's polls: its steps are numbered ``sequence`` to this (equal for an
    /// entry of one poll), and the next entry's ``sequence`` follows it.
    public var lastSequence: Int { sequence + polls - 1 }

    /// The entry's polls as one line — `polled 1,440 times, 12:00–14:00` (UTC; with the dates when the polls span
    /// more than a day) — or `nil` for an entry of one poll.
    public var pollSummary: String? {
        guard polls > 1, let last = lastPolledAt else { return nil }
        var count = String(polls)
        for index in stride(from: count.count - 3, to: 0, by: -3) {
            count.insert(",", at: count.index(count.startIndex, offsetBy: index))
        }
        let spansDays = last.timeIntervalSince(startedAt) >= 24 * 3600
        let format = spansDays ? "yyyy-MM-dd HH:mm" : "HH:mm"
        return "polled \(count) times, \(Self.utc(startedAt, format))–\(Self.utc(last, format))"
    }

    private static func utc(_ date: Date, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }
}
