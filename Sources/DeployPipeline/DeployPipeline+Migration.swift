public import StepFlowRuntime

extension DeployPipeline {
    /// How processes of `deploy.v1` (``flowV1(systems:)``) move to `deploy.v2` (``flow(systems:name:)``): the steps
    /// `deploy.v2` wraps in a `Retry` group moved into it; every other step keeps its path, and the data its type.
    /// A process waiting for its merge gets `deploy.v2`'s timeout from the moment it moves.
    public static let migrationFromV1 = FlowMigration(from: v1Name, to: name, steps: [
        "getPreActualState": "collectPreActualStateRetry/getPreActualState",
        "shouldDeployCase/steps/createDeployRequest": "shouldDeployCase/steps/openPullRequestRetry/createDeployRequest",
        "shouldDeployCase/steps/getPostActualState": "shouldDeployCase/steps/collectPostActualStateRetry/getPostActualState",
    ])
}
