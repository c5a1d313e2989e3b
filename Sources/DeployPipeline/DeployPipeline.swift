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
        try ProcessFlow<Input, Data>(
            name,
            pollIntervals: [
                "\(name)/preActualStateWaitFor": .milliseconds(200),
                "\(name)/shouldDeployCase/steps/acceptedDeployRequestWaitFor": .milliseconds(300),
                "\(name)/shouldDeployCase/steps/monitorDeploymentProgressWaitFor": .milliseconds(200),
                "\(name)/shouldDeployCase/steps/postActualStateWaitFor": .milliseconds(200),
            ],
            initialData: { _ in Data() }
        ) {
            Retry("collectPreActualState", policy: flakyCallPolicy, retryIf: isTransient) {
                Do("getPreActualState") { context in
                    context.data.preCollection = try await systems.collector.trigger(
                        app: context.input.app, after: nil, idempotencyKey: context.idempotencyKey, at: context.now)
                }
            }
            WaitFor("preActualState") { context in
                guard let request = context.data.preCollection else { return false }
                guard let version = try await systems.collector.result(of: request, at: context.now) else { return false }
                context.data.actualVersion = version
                context.data.needsDeploy = version != context.input.desiredVersion
                return true
            }
            Case("shouldDeploy", when: { context in context.data.needsDeploy }) {
                Case("approvalRequired", when: { context in context.input.approvalRequired == true }) {
                    AwaitSignal("approval", as: Approval.self, timeout: approvalTimeout)
                    Do("recordApproval") { context in
                        let approval = try context.signal("approval", as: Approval.self)
                        context.data.approvedBy = approval?.by ?? "someone"
                    }
                }
                Retry("openPullRequest", policy: flakyCallPolicy, retryIf: isTransient) {
                    Do("createDeployRequest", { context in
                        context.data.pullRequest = try await systems.gitHost.openPullRequest(
                            app: context.input.app, version: context.input.desiredVersion,
                            idempotencyKey: context.idempotencyKey, at: context.now)
                    }, compensate: { context in
                        // The rollout failed, or the process was cancelled: the change must not stay proposed.
                        guard let pullRequest = context.data.pullRequest else { return }
                        try await systems.gitHost.closePullRequest(pullRequest, at: context.now)
                        context.data.pullRequestClosed = true
                    })
                }
                WaitFor("acceptedDeployRequest", timeout: mergeTimeout) { context in
                    guard let pullRequest = context.data.pullRequest else { return false }
                    do {
                        return try await systems.gitHost.isMerged(pullRequest, at: context.now)
                    } catch is TransientError {
                        return false  // a failed poll is a poll that has not seen the merge yet
                    }
                }
                WaitFor("monitorDeploymentProgress") { context in
                    guard let pullRequest = context.data.pullRequest else { return false }
                    let rollout = try await systems.gitOpsAgent.rollout(of: pullRequest, at: context.now)
                    for event in rollout.events.dropFirst(context.data.rolloutEvents.count) {
                        context.logger.info("rollout event", metadata: ["app": "\(context.input.app)", "event": "\(event)"])
                        context.data.rolloutEvents.append(event)
                    }
                    if rollout.failed { throw RolloutFailed(app: context.input.app, events: rollout.events) }
                    return rollout.finished
                }
                Retry("collectPostActualState", policy: flakyCallPolicy, retryIf: isTransient) {
                    Do("getPostActualState") { context in
                        context.data.postCollection = try await systems.collector.trigger(
                            app: context.input.app, after: context.data.pullRequest,
                            idempotencyKey: context.idempotencyKey, at: context.now)
                    }
                }
                WaitFor("postActualState") { context in
                    guard let request = context.data.postCollection else { return false }
                    guard let version = try await systems.collector.result(of: request, at: context.now) else { return false }
                    context.data.deployedVersion = version
                    return true
                }
                Do("validatePostDeployActualState") { context in
                    guard context.data.deployedVersion == context.input.desiredVersion else {
                        throw ValidationFailed(
                            app: context.input.app, expected: context.input.desiredVersion,
                            found: context.data.deployedVersion ?? "nothing")
                    }
                }
            }
        }
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
