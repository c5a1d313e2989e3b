public import Foundation

/// In-process simulations of the collector, the Git host and the GitOps agent, for `stepflow demo` and tests.
///
/// **These are simulations, not integrations.** They keep no state of their own: every answer is derived
/// from the request (its idempotency key, application and time), so a simulated system gives the same answers
/// after the demo is killed and restarted, as a real one would. Latencies are random but fixed per request
/// (seeded by the request), and calls fail with a ``TransientError`` at the configured rate.
public struct SimulatedSystems: ExternalSystems, StateCollector, GitHost, GitOpsAgent {
    /// How the simulation behaves.
    public struct Configuration: Sendable {
        /// The time scale: latencies are multiplied by it (1: seconds as below; 0.1: ten times faster).
        public var timeScale: Double
        /// The probability that a call fails with a transient error.
        public var transientFailureRate: Double
        /// The probability that an application already runs its desired version.
        public var upToDateRate: Double
        /// The probability that a rollout fails.
        public var rolloutFailureRate: Double

        /// A configuration.
        public init(timeScale: Double = 1, transientFailureRate: Double = 0.05, upToDateRate: Double = 0.25, rolloutFailureRate: Double = 0.03) {
            self.timeScale = timeScale
            self.transientFailureRate = transientFailureRate
            self.upToDateRate = upToDateRate
            self.rolloutFailureRate = rolloutFailureRate
        }
    }

    /// The simulation's configuration.
    public let configuration: Configuration

    /// A simulation.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var collector: any StateCollector { self }
    public var gitHost: any GitHost { self }
    public var gitOpsAgent: any GitOpsAgent { self }

    /// A number in [0, 1) fixed by `key` (FNV-1a), so that answers survive restarts.
    static func unit(_ key: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        hash ^= hash >> 33
        return Double(hash % 1_000_000) / 1_000_000
    }

    private func latency(_ key: String, from low: Double, to high: Double) -> TimeInterval {
        (low + (high - low) * Self.unit(key)) * configuration.timeScale
    }

    private func maybeFail(_ service: String, _ key: String, at now: Date) throws {
        // A fresh draw per call (per time), not per request: a repeated call may succeed.
        if Self.unit("\(service)|\(key)|\(now.timeIntervalSince1970)") < configuration.transientFailureRate {
            throw TransientError(service: service)
        }
    }

    /// The version an application runs before the deployment.
    public func currentVersion(of app: String, desired: String) -> String {
        Self.unit("uptodate|\(app)") < configuration.upToDateRate ? desired : "0.9.\(Int(Self.unit("v|\(app)") * 10))"
    }

    public func trigger(app: String, after pullRequest: PullRequest?, idempotencyKey: String, at now: Date) async throws -> CollectionRequest {
        try maybeFail("collector", idempotencyKey, at: now)
        return CollectionRequest(id: idempotencyKey, app: app, after: pullRequest, requestedAt: now)
    }

    public func result(of request: CollectionRequest, at now: Date) async throws -> String? {
        guard now.timeIntervalSince(request.requestedAt) >= latency(request.id, from: 0.2, to: 1.5) else { return nil }
        // After a finished rollout the application runs the pull request's version.
        if let pullRequest = request.after { return pullRequest.version }
        return currentVersion(of: request.app, desired: Self.releasedVersion)
    }

    /// The version the demo deploys.
    public static let releasedVersion = "1.0.0"

    public func openPullRequest(app: String, version: String, idempotencyKey: String, at now: Date) async throws -> PullRequest {
        try maybeFail("git host", idempotencyKey, at: now)
        let number = 1000 + Int(Self.unit("pr|\(idempotencyKey)") * 9000)
        return PullRequest(number: number, app: app, version: version, openedAt: now)
    }

    public func isMerged(_ pullRequest: PullRequest, at now: Date) async throws -> Bool {
        try maybeFail("git host", "\(pullRequest.number)", at: now)
        return now.timeIntervalSince(pullRequest.openedAt) >= latency("merge|\(pullRequest.number)", from: 0.3, to: 2.5)
    }

    public func closePullRequest(_ pullRequest: PullRequest, at now: Date) async throws {
        // Simulated: the call can fail like the others; closing twice is harmless, as on a real Git host.
        try maybeFail("git host", "close|\(pullRequest.number)", at: now)
    }

    public func rollout(of pullRequest: PullRequest, at now: Date) async throws -> Rollout {
        let mergedAt = pullRequest.openedAt.addingTimeInterval(latency("merge|\(pullRequest.number)", from: 0.3, to: 2.5))
        let elapsed = now.timeIntervalSince(mergedAt)
        let stages = ["sync started", "new replica set created", "25% of pods updated", "50% of pods updated", "100% of pods updated", "healthy"]
        let stageLength = latency("rollout|\(pullRequest.number)", from: 0.1, to: 0.5)
        let reached = min(stages.count, max(1, Int(elapsed / max(stageLength, 0.001)) + 1))
        let fails = Self.unit("rolloutfail|\(pullRequest.number)") < configuration.rolloutFailureRate
        if fails && reached >= 4 {
            return Rollout(events: Array(stages.prefix(3)) + ["degraded: pods crash-looping"], finished: false, failed: true)
        }
        return Rollout(events: Array(stages.prefix(reached)), finished: reached == stages.count, failed: false)
    }
}
