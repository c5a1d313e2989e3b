public import Foundation

/// The runtime's source of time: wall-clock dates (due times are stored, and outlive the process)
/// and a way to sleep until one.
///
/// Inject a `ManualClock` (from `StepFlowTesting`) in tests so that polls, delays and leases are
/// driven without real sleeping.
public protocol RuntimeClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Suspends until `deadline` (or returns at once if it has passed); throws `CancellationError` when cancelled.
    func sleep(until deadline: Date) async throws
    /// Monotonic time since an arbitrary origin: it measures elapsed time and never jumps when the wall clock is set.
    ///
    /// The default reads `ContinuousClock`; a clock that controls time (a test's manual clock) returns its own.
    var uptime: Duration { get }
}

extension RuntimeClock {
    /// `ContinuousClock`'s time since the first reading in this program.
    public var uptime: Duration { MonotonicOrigin.instant.duration(to: ContinuousClock.now) }
}

/// The origin of the default ``RuntimeClock/uptime``: the first time it is read.
private enum MonotonicOrigin {
    static let instant = ContinuousClock.now
}

/// The system's wall clock.
public struct SystemClock: RuntimeClock {
    /// The system clock.
    public init() {}

    /// `Date()`.
    public var now: Date { Date() }

    /// Sleeps with `Task.sleep` until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .nanoseconds(Int64((interval * 1e9).rounded(.up))))
        } else {
            try Task.checkCancellation()
        }
    }
}
