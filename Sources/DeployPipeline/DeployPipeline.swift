import Foundation
public import StepFlow
public import StepFlowRuntime

/// The continuous-deployment pipeline of go-stepflow's example, as a durable StepFlow process:
/// collect the application's actual state, compare it with the desired state, and if they differ open a
/// GitOps pull request, wait for it to be merged, follow the GitOps agent's rollout, then collect and validate
/// the post-deployment state.
///
/// Beyond go-stepflow's constructs it uses: a `Retry` policy with exponential backoff for the flaky calls, an
/// optional manual approval (`AwaitSignal`) for applications that require one, a timeout on the merge wait, and a
/// compensation that closes the pull request when the rollout fails or the process is cancelled.
///
/// The external systems are passed in as an ``ExternalSystems`` value; `stepflow demo` uses
/// ``SimulatedSystems``, which simulates them in-process.
public enum DeployPipeline {
    /// The flow's name, with its version.
    public static let name = "deploy.v2"

    /// The context the pipeline's steps receive.
    public typealias Context = StepContext<Input, Data>

    /// How the flaky calls (collector, Git host) are retried: transient errors only, with exponential backoff.
    public static let flakyCallPolicy = RetryPolicy.exponential(
        initial: .milliseconds(100), multiplier: 2, max: .seconds(5), maxAttempts: 8, jitter: true
    )

    /// How long a pull request may wait for its merge before the deployment gives up.
    public static let mergeTimeout = Duration.hours(2)

    /// How long an approval may take.
    public static let approvalTimeout = Duration.hours(24)

    /// What a deployment process is started with.
    public struct Input: Codable, Sendable, Hashable {
        /// The application's name.
        public var app: String
        /// The version that should run.
        public var desiredVersion: String
        /// Whether the application runs in production (a GitOps PR there waits for a person to merge it).
        public var production: Bool
        /// Whether a person must approve the deployment (`stepflow signal ID approval`) before the pull request
        /// is opened.
        public var approvalRequired: Bool?

        /// An input.
        public init(app: String, desiredVersion: String, production: Bool = false, approvalRequired: Bool = false) {
            self.app = app
            self.desiredVersion = desiredVersion
            self.production = production
            self.approvalRequired = approvalRequired
        }
    }

    /// The payload of the `approval` signal: who approved, and why (`stepflow signal ID approval '{"by":"alice"}'`).
    public struct Approval: Codable, Sendable, Hashable {
        /// Who approved.
        public var by: String?
        /// A comment.
        public var comment: String?

        /// An approval.
        public init(by: String? = nil, comment: String? = nil) {
            self.by = by
            self.comment = comment
        }
    }

    /// What a deployment process knows, saved with its state after every step.
    public struct Data: Codable, Sendable, Hashable {
        /// The pre-deployment collection request.
        public var preCollection: CollectionRequest?
        /// The version found running before the deployment.
        public var actualVersion: String?
        /// Whether a deployment is needed.
        public var needsDeploy = false
        /// The GitOps pull request.
        public var pullRequest: PullRequest?
        /// Who approved the deployment, when an approval was required.
        public var approvedBy: String?
        /// Whether the pull request was closed by the compensation (the rollout failed or the process was cancelled).
        public var pullRequestClosed: Bool?
        /// Rollout events reported by the GitOps agent, in order.
        public var rolloutEvents: [String] = []
        /// The post-deployment collection request.
        public var postCollection: CollectionRequest?
        /// The version found running after the deployment.
        public var deployedVersion: String?

        /// Empty data for a new process.
        public init() {}
    }

    /// The name go-stepflow's example gives the flow; processes it stored as `start:deploy/v1/…` continue in the
    /// pipeline registered under this name from `shouldDeployCase/steps/acceptedDeployRequestWaitFor` on.
    public static let goStepflowName = "deploy/v1"

    /// Builds the pipeline's flow against `systems`, named `name` (``name`` by default; any name, e.g.
    /// ``goStepflowName``).
    public static func flow(systems: any ExternalSystems, name: String = name) throws -> ProcessFlow<Input, Data> {
        let steps = DeploySteps(systems: systems)
        return try ProcessFlow<Input, Data>(
            name,
            pollIntervals: pollIntervals(name),
            initialData: { _ in Data() }
        ) {
            Retry("collectPreActualState", policy: flakyCallPolicy, retryIf: isTransient) {
                Do("getPreActualState") { context in try await steps.getPreActualState(context) }
            }
            WaitFor("preActualState") { context in try await steps.preActualState(context) }
            Case("shouldDeploy", when: { context in context.data.needsDeploy }) {
                Case("approvalRequired", when: { context in context.input.approvalRequired == true }) {
                    AwaitSignal("approval", as: Approval.self, timeout: approvalTimeout)
                    Do("recordApproval") { context in
                        let approval = try context.signal("approval", as: Approval.self)
                        context.data.approvedBy = approval?.by ?? "someone"
                    }
                }
                Retry("openPullRequest", policy: flakyCallPolicy, retryIf: isTransient) {
                    Do("createDeployRequest", { context in try await steps.createDeployRequest(context) },
                       compensate: { context in try await steps.closePullRequest(context) })
                }
                WaitFor("acceptedDeployRequest", timeout: mergeTimeout) { context in try await steps.acceptedDeployRequest(context) }
                WaitFor("monitorDeploymentProgress") { context in try await steps.monitorDeploymentProgress(context) }
                Retry("collectPostActualState", policy: flakyCallPolicy, retryIf: isTransient) {
                    Do("getPostActualState") { context in try await steps.getPostActualState(context) }
                }
                WaitFor("postActualState") { context in try await steps.postActualState(context) }
                Do("validatePostDeployActualState") { context in try steps.validatePostDeployActualState(context) }
            }
        }
    }

    /// How often the pipeline named `name` polls its waits (the same in both versions: their waits have one path).
    static func pollIntervals(_ name: String) -> [String: Duration] {
        [
            "\(name)/preActualStateWaitFor": .milliseconds(200),
            "\(name)/shouldDeployCase/steps/acceptedDeployRequestWaitFor": .milliseconds(300),
            "\(name)/shouldDeployCase/steps/monitorDeploymentProgressWaitFor": .milliseconds(200),
            "\(name)/shouldDeployCase/steps/postActualStateWaitFor": .milliseconds(200),
        ]
    }
}

/// Which errors of the flaky calls are worth retrying: the transient ones.
@Sendable
func isTransient(_ error: any Error) -> Bool {
    error is TransientError
}

/// The deployment reached the cluster but the application does not run the desired version.
public struct ValidationFailed: Error, CustomStringConvertible {
    /// The application.
    public var app: String
    /// The version that should run.
    public var expected: String
    /// The version found.
    public var found: String
    /// What happened.
    public var description: String { "\(app) runs \(found) after the deployment, not \(expected)" }
}

/// The GitOps agent reported a failed rollout.
public struct RolloutFailed: Error, CustomStringConvertible {
    /// The application.
    public var app: String
    /// The rollout's events.
    public var events: [String]
    /// What happened.
    public var description: String { "the rollout of \(app) failed: \(events.last ?? "no events")" }
}

/// A failure that may go away if the call is repeated (a timeout, a 503).
public struct TransientError: Error, CustomStringConvertible {
    /// The service that failed.
    public var service: String
    /// What happened.
    public var description: String { "\(service) is temporarily unavailable (simulated)" }

    /// A transient error of `service`.
    public init(service: String) { self.service = service }
}
