/// How a ``Retry`` group restarts after a failure: how many attempts, and how long to wait before each.
///
/// ```swift
/// Retry("push", policy: .exponential(initial: .seconds(1), multiplier: 2, max: .minutes(5), maxAttempts: 8, jitter: true)) {
///     Do("push") { context in try await context.git.push() }
/// }
/// ```
///
/// The number of failed attempts and the time the next attempt may start are saved in the state
/// (`retry:<attempts>:<notBefore>:<path>`), so the policy holds across restarts; no task sleeps for it.
public struct RetryPolicy: Sendable, Hashable {
    /// The delay before the second attempt.
    public var initialDelay: Duration
    /// What each further delay is multiplied by.
    public var multiplier: Double
    /// The longest delay.
    public var maxDelay: Duration
    /// The most attempts, the first included (`1`: never retry).
    public var maxAttempts: Int
    /// Whether delays are spread at random between half and all of their value (so that many processes failing
    /// together do not retry together).
    public var jitter: Bool

    /// Delays growing by `multiplier` from `initial` up to `max`, for at most `maxAttempts` attempts.
    public static func exponential(
        initial: Duration, multiplier: Double = 2, max: Duration, maxAttempts: Int, jitter: Bool = false
    ) -> RetryPolicy {
        RetryPolicy(initialDelay: initial, multiplier: multiplier, maxDelay: max, maxAttempts: maxAttempts, jitter: jitter)
    }

    /// The same delay before every attempt, for at most `maxAttempts` attempts.
    public static func fixed(_ delay: Duration, maxAttempts: Int) -> RetryPolicy {
        RetryPolicy(initialDelay: delay, multiplier: 1, maxDelay: delay, maxAttempts: maxAttempts, jitter: false)
    }

    /// The delay before the attempt that follows failed attempt number `failedAttempts` (1-based), with
    /// `jitterFraction` in `0..<1` used when ``jitter`` is on.
    public func delay(afterFailedAttempts failedAttempts: Int, jitterFraction: Double) -> Duration {
        var delay = initialDelay
        if failedAttempts > 1 {
            var factor = 1.0
            for _ in 1..<min(failedAttempts, 64) { factor *= multiplier }
            delay = initialDelay.scaled(by: factor, cap: maxDelay)
        }
        delay = min(delay, maxDelay)
        guard jitter else { return delay }
        return delay.scaled(by: 0.5 + 0.5 * jitterFraction, cap: delay)
    }
}

extension RetryPolicy {
    /// The attempt that follows a failure at `now`, when `failedSoFar` attempts had failed before it: its number of
    /// failed attempts and the earliest time it may start; `nil` when this failure used up ``maxAttempts``.
    ///
    /// A pure function of the policy, the count, the time and `jitterFraction` (in `0..<1`, used when ``jitter``
    /// is on): both the steps and the compensations of an extended flow decide their retries with it.
    func nextAttempt(failedSoFar: Int, now: FlowTime, jitterFraction: Double) -> ExtendedState.RetryMark? {
        let failedAttempts = failedSoFar + 1
        guard failedAttempts < maxAttempts else { return nil }
        let delay = delay(afterFailedAttempts: failedAttempts, jitterFraction: jitterFraction)
        return ExtendedState.RetryMark(failedAttempts: failedAttempts, notBefore: now + delay)
    }
}

/// How often a ``WaitFor`` polls its condition: every `interval`, optionally backing off.
public struct PollSchedule: Sendable, Hashable {
    /// The delay after the first poll.
    public var interval: Duration
    /// What each further delay is multiplied by (`1`: no backoff).
    public var multiplier: Double
    /// The longest delay.
    public var maxInterval: Duration

    /// The delay after poll number `polls` (1-based).
    func delay(afterPolls polls: Int) -> Duration {
        var factor = 1.0
        for _ in 1..<max(1, min(polls, 64)) { factor *= multiplier }
        return interval.scaled(by: factor, cap: maxInterval)
    }
}

/// How the interval of a ``WaitFor`` grows from one poll to the next.
public struct PollBackoff: Sendable, Hashable {
    /// What each delay is multiplied by.
    public var multiplier: Double
    /// The longest delay.
    public var max: Duration

    /// Delays multiplied by `multiplier` after each poll, up to `max`.
    public static func exponential(multiplier: Double = 2, max: Duration) -> PollBackoff {
        PollBackoff(multiplier: multiplier, max: max)
    }
}
