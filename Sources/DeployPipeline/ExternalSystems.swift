public import Foundation

/// The external systems the deployment pipeline talks to.
public protocol ExternalSystems: Sendable {
    /// Collects an application's actual state.
    var collector: any StateCollector { get }
    /// Hosts the GitOps repository.
    var gitHost: any GitHost { get }
    /// Rolls out what is merged (Argo CD, Flux).
    var gitOpsAgent: any GitOpsAgent { get }
}

/// A request to collect an application's actual state.
public struct CollectionRequest: Codable, Sendable, Hashable {
    /// The request's identifier.
    public var id: String
    /// The application.
    public var app: String
    /// The pull request whose rollout the collection follows, for a post-deployment collection.
    public var after: PullRequest?
    /// When it was made.
    public var requestedAt: Date

    /// A request.
    public init(id: String, app: String, after: PullRequest?, requestedAt: Date) {
        self.id = id
        self.app = app
        self.after = after
        self.requestedAt = requestedAt
    }
}

/// A GitOps pull request.
public struct PullRequest: Codable, Sendable, Hashable {
    /// Its number.
    public var number: Int
    /// The application it deploys.
    public var app: String
    /// The version it deploys.
    public var version: String
    /// When it was opened.
    public var openedAt: Date
}

/// A rollout as the GitOps agent reports it.
public struct Rollout: Sendable, Hashable {
    /// Events so far, oldest first.
    public var events: [String]
    /// Whether the rollout has finished successfully.
    public var finished: Bool
    /// Whether the rollout has failed.
    public var failed: Bool
}

/// Collects the actual state of an application.
public protocol StateCollector: Sendable {
    /// Triggers a collection (after the rollout of `pullRequest`, for a post-deployment one); repeating a call
    /// with the same key returns the same request.
    func trigger(app: String, after pullRequest: PullRequest?, idempotencyKey: String, at now: Date) async throws -> CollectionRequest
    /// The running version once the collection is done, or `nil` while it runs.
    func result(of request: CollectionRequest, at now: Date) async throws -> String?
}

/// The Git host of the GitOps repository.
public protocol GitHost: Sendable {
    /// Opens a pull request; repeating a call with the same key returns the same pull request.
    func openPullRequest(app: String, version: String, idempotencyKey: String, at now: Date) async throws -> PullRequest
    /// Whether the pull request has been merged.
    func isMerged(_ pullRequest: PullRequest, at now: Date) async throws -> Bool
    /// Closes the pull request without merging it (closing a closed one does nothing).
    func closePullRequest(_ pullRequest: PullRequest, at now: Date) async throws
}

/// The GitOps agent that rolls out merged changes.
public protocol GitOpsAgent: Sendable {
    /// The rollout of a merged pull request.
    func rollout(of pullRequest: PullRequest, at now: Date) async throws -> Rollout
}
