public import DeployPipeline
import Synchronization

/// The deployment pipeline's external systems with a cluster an operator repairs: while it is broken every rollout
/// fails; once repaired every rollout succeeds. Nothing else fails (no transient errors, no application up to date).
public final class RepairableCluster: ExternalSystems {
    private let broken: Mutex<Bool>
    private let healthy = SimulatedSystems(configuration: .init(transientFailureRate: 0, upToDateRate: 0, rolloutFailureRate: 0))
    private let failing = SimulatedSystems(configuration: .init(transientFailureRate: 0, upToDateRate: 0, rolloutFailureRate: 1))

    /// Systems whose cluster is broken, or not.
    public init(broken: Bool) {
        self.broken = Mutex(broken)
    }

    /// The operator's fix: rollouts succeed from now on.
    public func repair() { broken.withLock { $0 = false } }

    /// The collector: never fails.
    public var collector: any StateCollector { healthy }
    /// The Git host: never fails.
    public var gitHost: any GitHost { healthy }
    /// The GitOps agent: every rollout fails while the cluster is broken, none once it is repaired.
    public var gitOpsAgent: any GitOpsAgent { broken.withLock { $0 } ? failing : healthy }
}
