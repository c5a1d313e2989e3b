/// A point in wall-clock time, in milliseconds since 1970-01-01 00:00 UTC.
///
/// The timers of a flow (``Sleep``, the timeouts and poll schedules of ``WaitFor`` and ``AwaitSignal``, the
/// backoff of a ``Retry`` policy) are saved in the state as `FlowTime`s, so they hold across restarts and
/// across machines. The core has no clock of its own: the caller passes the current time in a
/// ``StepEnvironment`` (a runtime converts its `Date`s; a test passes whatever time it wants).
public struct FlowTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01 00:00 UTC.
    public var millisecondsSince1970: Int64

    /// The time `milliseconds` after 1970-01-01 00:00 UTC.
    public init(millisecondsSince1970 milliseconds: Int64) {
        self.millisecondsSince1970 = milliseconds
    }

    /// A time later than any timer: what a step waiting only for a signal reports as its wake-up time.
    public static let distantFuture = FlowTime(millisecondsSince1970: 253_402_300_799_000)  // 9999-12-31

    /// Orders times.
    public static func < (lhs: FlowTime, rhs: FlowTime) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }

    /// The time `duration` later (rounded down to the millisecond; saturating).
    public static func + (time: FlowTime, duration: Duration) -> FlowTime {
        let (sum, overflow) = time.millisecondsSince1970.addingReportingOverflow(duration.milliseconds)
        return overflow ? .distantFuture : min(FlowTime(millisecondsSince1970: sum), .distantFuture)
    }

    /// The duration from `earlier` to `later`.
    public static func - (later: FlowTime, earlier: FlowTime) -> Duration {
        .milliseconds(later.millisecondsSince1970 - earlier.millisecondsSince1970)
    }

    /// The milliseconds since 1970, as a number.
    public var description: String { "\(millisecondsSince1970)ms" }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down; saturating).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        return fromSeconds + attoseconds / 1_000_000_000_000_000
    }

    /// `self × factor`, saturating at `cap`.
    func scaled(by factor: Double, cap: Duration) -> Duration {
        let value = Double(milliseconds) * factor
        if !value.isFinite || value >= Double(cap.milliseconds) { return cap }
        return .milliseconds(Int64(value))
    }
}

extension Duration {
    /// `minutes` minutes, for timers and timeouts: `Sleep("coolDown", for: .minutes(30))`.
    public static func minutes(_ minutes: Int) -> Duration { .seconds(minutes * 60) }
    /// `hours` hours, for timers and timeouts: `WaitFor("merged", timeout: .hours(2)) { … }`.
    public static func hours(_ hours: Int) -> Duration { .seconds(hours * 3600) }
}
