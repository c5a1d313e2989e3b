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
