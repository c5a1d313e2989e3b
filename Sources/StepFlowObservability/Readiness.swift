public import Foundation
public import StepFlowRuntime

/// Whether a worker is ready, for a Kubernetes readiness probe (`/readyz`): its store answers, and its last round
/// with the store ended less than ``maxRoundAge`` ago.
public struct Readiness: Sendable {
    /// The answer of one check.
    public struct Status: Sendable, Hashable {
        /// Whether the worker is ready.
        public var isReady: Bool
        /// Why not, or `ready`.
        public var reason: String
    }

    /// The store that must answer.
    public let store: any ProcessStore
    /// The worker whose rounds must be recent; `nil` checks the store only (a server without a worker).
    public let worker: FlowWorker?
    /// How long ago the worker's last round may have ended.
    public let maxRoundAge: Duration

    /// A check of `store` and, if given, `worker`.
    public init(store: any ProcessStore, worker: FlowWorker? = nil, maxRoundAge: Duration = .seconds(30)) {
        self.store = store
        self.worker = worker
        self.maxRoundAge = maxRoundAge
    }

    /// Asks the store, then looks at the worker's last round.
    public func check() async -> Status {
        do {
            _ = try await store.nextDueDate()
        } catch {
            return Status(isReady: false, reason: "the store does not answer: \(error)")
        }
        guard let worker else { return Status(isReady: true, reason: "ready") }
        return Self.decide(lastRoundEnded: worker.lastRoundEnded, now: worker.clock.now, maxRoundAge: maxRoundAge)
    }

    /// The decision about a worker whose last round ended at `lastRoundEnded` (`nil`: none yet), at `now`.
    public static func decide(lastRoundEnded: Date?, now: Date, maxRoundAge: Duration) -> Status {
        guard let lastRoundEnded else {
            return Status(isReady: false, reason: "the worker has not finished a round with the store yet")
        }
        let age = now.timeIntervalSince(lastRoundEnded)
        guard age < maxRoundAge.timeInterval else {
            return Status(
                isReady: false,
                reason: "the worker's last round ended \(Int(age.rounded())) s ago (more than \(maxRoundAge))"
            )
        }
        return Status(isReady: true, reason: "ready")
    }
}
