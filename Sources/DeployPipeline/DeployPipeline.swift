import Foundation
import StepFlow
public import StepFlowRuntime

/// The continuous-deployment pipeline of go-stepflow's example, as a durable StepFlow process:
/// collect the application's actual state, compare it with the desired state, and if they differ open a
/// GitOps pull request, wait for it to be merged, follow the GitOps agent's rollout, then collect and validate
/// the post-deployment state.
///
/// The external systems are passed in as an ``ExternalSystems`` value; `stepflow demo` uses
/// ``SimulatedSystems``, which simulates them in-process.
public enum DeployPipeline {
    /// The flow's name, with its version.
    public static let name = "deploy.v1"

    /// The context the pipeline's steps receive.
    public typealias Context = StepContext<Input, Data>

    /// How many transient errors one process retries before it fails.
    public static let maxTransientRetries = 10

    /// What a deployment process is started with.
    public struct Input: Codable, Sendable, Hashable {
        /// The application's name.
        public var app: String
        /// The version that should run.
        public var desiredVersion: String
        /// Whether the application runs in production (a GitOps PR there waits for a person to merge it).
        public var production: Bool

        /// An input.
        public init(app: String, desiredVersion: String, production: Bool = false) {
            self.app = app
            self.desiredVersion = desiredVersion
            self.production = production
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
        /// How many calls were retried after a transient error.
        public var transientRetries = 0
        /// Rollout events reported by the GitOps agent, in order.
        public var rolloutEvents: [String] = []
        /// The post-deployment collection request.
        public var postCollection: CollectionRequest?
        /// The version found running after the deployment.
        public var deployedVersion: String?

        /// Empty data for a new process.
        public init() {}
    }

    /// Builds the pipeline's flow against `systems`.
    public static func flow(systems: any ExternalSystems) throws -> ProcessFlow<Input, Data> {
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
            Retry("collectPreActualState", shouldRetry: retryTransientErrors) {
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
                Retry("openPullRequest", shouldRetry: retryTransientErrors) {
                    Do("createDeployRequest") { context in
                        context.data.pullRequest = try await systems.gitHost.openPullRequest(
                            app: context.input.app, version: context.input.desiredVersion,
                            idempotencyKey: context.idempotencyKey, at: context.now)
                    }
                }
                WaitFor("acceptedDeployRequest") { context in
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
                Retry("collectPostActualState", shouldRetry: retryTransientErrors) {
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

/// The `Retry` handler of the pipeline's flaky calls: retries transient errors, at most 10 times per process.
@Sendable
func retryTransientErrors(_ context: StepContext<DeployPipeline.Input, DeployPipeline.Data>, _ error: any Error) async -> Bool {
    guard error is TransientError, context.data.transientRetries < DeployPipeline.maxTransientRetries else { return false }
    context.data.transientRetries += 1
    context.logger.info("retrying after a transient error", metadata: ["error": "\(error)"])
    return true
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
