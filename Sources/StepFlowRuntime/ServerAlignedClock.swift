public import CoreMetrics
public import Foundation
public import Logging
import Synchronization

/// A clock that tells the time of the store's server: the server's time when it was last read, plus the monotonic
/// time elapsed since (never the local wall clock), so that steps, timers and leases computed on any machine mean
/// the same thing.
///
/// ``FlowWorker`` and ``StepFlowClient`` wrap the clock they are given in one. With a store that schedules by the
/// caller's clock (``ProcessStore/serverTime()`` is `nil`: memory, SQLite) it is the base clock, unchanged. With the
/// PostgreSQL store it reads the server's time once, then again every ``synchronizationInterval``; between readings
/// it adds the base clock's ``RuntimeClock/uptime``, so a wall clock set forward or back on this machine changes
/// nothing.
///
/// Each reading compares the base clock with the server's: beyond ``skewTolerance`` it logs a warning naming the
/// difference, and it always records the difference (local minus server, in seconds) in the gauge
/// `stepflow_clock_skew_seconds`.
///
/// Pass one as the `clock` of a worker or client to choose the tolerance or the interval:
///
/// ```swift
/// let clock = ServerAlignedClock(skewTolerance: .seconds(2), logger: logger)
/// let worker = FlowWorker(store: store, registry: registry, clock: clock, logger: logger)
/// ```
public final class ServerAlignedClock: RuntimeClock {
    /// The local clock: its uptime measures elapsed time, and its time is compared with the server's.
    public let base: any RuntimeClock
    /// The largest difference between the local and the server's clock that is not warned about.
    public let skewTolerance: Duration
    /// How often the server's time is read again.
    public let synchronizationInterval: Duration

    private let logger: Logger
    private let skewGauge: Gauge
    private let state = Mutex(State())

    private struct State {
        /// Where the time comes from: not known yet, the base clock (the store has no server time), or a reading.
        var source = Source.unknown
        /// The skew last warned about, while it is beyond the tolerance.
        var warnedSkew: TimeInterval?
    }

    private enum Source {
        case unknown
        case local
        /// The server's time `date`, estimated for the base clock's uptime `uptime`; `skew` is local minus server.
        case server(date: Date, uptime: Duration, skew: TimeInterval)
    }

    /// A clock on `base` that warns beyond `skewTolerance` and reads the server's time every `synchronizationInterval`.
    public init(
        base: any RuntimeClock = SystemClock(), skewTolerance: Duration = .seconds(5),
        synchronizationInterval: Duration = .seconds(10), logger: Logger = Logger(label: "stepflow.clock"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.base = base
        self.skewTolerance = skewTolerance
        self.synchronizationInterval = synchronizationInterval
        self.logger = logger
        self.skewGauge = Gauge(label: "stepflow_clock_skew_seconds", factory: metricsFactory ?? MetricsSystem.factory)
    }

    /// `clock` itself if it is a server-aligned clock, otherwise a new one on it with the default tolerance.
    public static func wrapping(
        _ clock: any RuntimeClock, logger: Logger, metricsFactory: (any MetricsFactory)? = nil
    ) -> ServerAlignedClock {
        clock as? ServerAlignedClock ?? ServerAlignedClock(base: clock, logger: logger, metricsFactory: metricsFactory)
    }

    /// The server's time as last read plus the monotonic time since; the base clock's time until a reading (or
    /// for a store without a server clock).
    public var now: Date {
        let source = state.withLock { $0.source }
        guard case let .server(date, uptime, _) = source else { return base.now }
        return date.addingTimeInterval((base.uptime - uptime).timeInterval)
    }

    /// The base clock's monotonic time.
    public var uptime: Duration { base.uptime }

    /// How far the base clock was ahead of the server's (negative: behind) at the last reading; `nil` before the
    /// first reading, or for a store without a server clock.
    public var skew: Duration? {
        guard case let .server(_, _, skew) = state.withLock({ $0.source }) else { return nil }
        return .nanoseconds(Int64((skew * 1e9).rounded()))
    }

    /// Sleeps on the base clock until it reaches `deadline`, a time of this clock.
    public func sleep(until deadline: Date) async throws {
        let shift = now.timeIntervalSince(base.now)
        try await base.sleep(until: deadline.addingTimeInterval(-shift))
    }

    /// Reads the store's server time, unless it was read less than ``synchronizationInterval`` ago or the store has
    /// no server clock: one cheap call every interval, nothing otherwise.
    public func synchronizeIfDue(with store: any ProcessStore) async throws {
        let due = state.withLock { state -> Bool in
            switch state.source {
            case .unknown: true
            case .local: false
            case let .server(_, uptime, _): base.uptime - uptime >= synchronizationInterval
            }
        }
        if due { try await synchronize(with: store) }
    }

    /// Reads the store's server time now (its estimate for the middle of the call's round trip), compares it with
    /// the base clock, warns when they differ by more than ``skewTolerance``, and records the difference.
    public func synchronize(with store: any ProcessStore) async throws {
        let sent = base.uptime
        guard let server = try await store.serverTime() else {
            state.withLock { $0.source = .local }
            return
        }
        let received = base.uptime
        let serverNow = server.addingTimeInterval((received - sent).timeInterval / 2)
        let skew = base.now.timeIntervalSince(serverNow)
        let tolerance = skewTolerance.timeInterval
        let warn = state.withLock { state -> Bool? in
            state.source = .server(date: serverNow, uptime: received, skew: skew)
            if abs(skew) <= tolerance {
                defer { state.warnedSkew = nil }
                return state.warnedSkew == nil ? nil : false
            }
            if let warned = state.warnedSkew, abs(warned - skew) <= tolerance { return nil }
            state.warnedSkew = skew
            return true
        }
        skewGauge.record(skew)
        switch warn {
        case true?:
            logger.warning(
                """
                this machine's clock differs from the store server's by \(Self.describe(skew)) (tolerance \(skewTolerance)): \
                scheduling follows the server's clock, but fix this machine's time (NTP)
                """,
                metadata: ["stepflow.clock_skew_seconds": "\(skew)"]
            )
        case false?:
            logger.info("this machine's clock is back within \(skewTolerance) of the store server's", metadata: [
                "stepflow.clock_skew_seconds": "\(skew)",
            ])
        case nil:
            break
        }
    }

    /// `+25 h 0 min 3.120 s (ahead)`: a skew in a form people read.
    static func describe(_ skew: TimeInterval) -> String {
        let magnitude = (abs(skew) * 1000).rounded() / 1000
        let hours = Int(magnitude / 3600)
        let minutes = Int(magnitude.truncatingRemainder(dividingBy: 3600) / 60)
        let seconds = magnitude.truncatingRemainder(dividingBy: 60)
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours) h") }
        if hours > 0 || minutes > 0 { parts.append("\(minutes) min") }
        parts.append(String(format: "%.3f s", seconds))
        return (skew < 0 ? "-" : "+") + parts.joined(separator: " ") + (skew < 0 ? " (behind)" : " (ahead)")
    }
}
