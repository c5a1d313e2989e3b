import Foundation
import StepFlowRuntime

/// What each step of the deployment pipeline does, against the external systems: shared by both versions of the
/// pipeline (``DeployPipeline/flow(systems:name:)`` and ``DeployPipeline/flowV1(systems:)``), which differ only in
/// how the steps are arranged.
///
/// Every step can run again — after a crash, a fenced save, a rewind — without doing its work twice: calls that
/// create something pass the step's idempotency key, and each step sets the data it owns from scratch rather than
/// adding to what an earlier run left.
struct DeploySteps: Sendable {
    typealias Context = DeployPipeline.Context

    let systems: any ExternalSystems

    func getPreActualState(_ context: Context) async throws {
        context.data.preCollection = try await systems.collector.trigger(
            app: context.input.app, after: nil, idempotencyKey: context.idempotencyKey, at: context.now)
    }

    func preActualState(_ context: Context) async throws -> Bool {
        guard let request = context.data.preCollection else { return false }
        guard let version = try await systems.collector.result(of: request, at: context.now) else { return false }
        context.data.actualVersion = version
        context.data.needsDeploy = version != context.input.desiredVersion
        return true
    }

    func createDeployRequest(_ context: Context) async throws {
        context.data.pullRequest = try await systems.gitHost.openPullRequest(
            app: context.input.app, version: context.input.desiredVersion,
            idempotencyKey: context.idempotencyKey, at: context.now)
        // A new pull request starts a new rollout: what an earlier run (before a rewind) recorded no longer applies.
        context.data.pullRequestClosed = nil
        context.data.rolloutEvents = []
        context.data.postCollection = nil
        context.data.deployedVersion = nil
    }

    func closePullRequest(_ context: Context) async throws {
        // The rollout failed, or the process was cancelled: the change must not stay proposed.
        guard let pullRequest = context.data.pullRequest else { return }
        try await systems.gitHost.closePullRequest(pullRequest, at: context.now)
        context.data.pullRequestClosed = true
    }

    func acceptedDeployRequest(_ context: Context) async throws -> Bool {
        guard let pullRequest = context.data.pullRequest else { return false }
        do {
            return try await systems.gitHost.isMerged(pullRequest, at: context.now)
        } catch is TransientError {
            return false  // a failed poll is a poll that has not seen the merge yet
        }
    }

    func monitorDeploymentProgress(_ context: Context) async throws -> Bool {
        guard let pullRequest = context.data.pullRequest else { return false }
        let rollout = try await systems.gitOpsAgent.rollout(of: pullRequest, at: context.now)
        for event in rollout.events.dropFirst(context.data.rolloutEvents.count) {
            context.logger.info("rollout event", metadata: ["app": "\(context.input.app)", "event": "\(event)"])
            context.data.rolloutEvents.append(event)
        }
        if rollout.failed { throw RolloutFailed(app: context.input.app, events: rollout.events) }
        return rollout.finished
    }

    func getPostActualState(_ context: Context) async throws {
        context.data.postCollection = try await systems.collector.trigger(
            app: context.input.app, after: context.data.pullRequest,
            idempotencyKey: context.idempotencyKey, at: context.now)
    }

    func postActualState(_ context: Context) async throws -> Bool {
        guard let request = context.data.postCollection else { return false }
        guard let version = try await systems.collector.result(of: request, at: context.now) else { return false }
        context.data.deployedVersion = version
        return true
    }

    func validatePostDeployActualState(_ context: Context) throws {
        guard context.data.deployedVersion == context.input.desiredVersion else {
            throw ValidationFailed(
                app: context.input.app, expected: context.input.desiredVersion,
                found: context.data.deployedVersion ?? "nothing")
        }
    }
}
