import StepFlow
public import StepFlowRuntime

extension DeployPipeline {
    /// The first version's name.
    public static let v1Name = "deploy.v1"

    /// The first version of the pipeline, `deploy.v1`: exactly go-stepflow's example, made of its constructs only
    /// (no `Retry`, no timeout, no approval, no compensation), with the same steps, input and data as ``flow(systems:name:)``.
    ///
    /// ```
    /// getPreActualState → preActualStateWaitFor → shouldDeployCase:
    ///     createDeployRequest → acceptedDeployRequestWaitFor → monitorDeploymentProgressWaitFor
    ///     → getPostActualState → postActualStateWaitFor → validatePostDeployActualState
    /// ```
    ///
    /// Without retries, a transient error of a call fails the process: `stepflow rewind` runs it again from a step,
    /// and ``migrationFromV1`` moves its processes to `deploy.v2`, which retries.
    public static func flowV1(systems: any ExternalSystems) throws -> ProcessFlow<Input, Data> {
        let steps = DeploySteps(systems: systems)
        return try ProcessFlow<Input, Data>(v1Name, pollIntervals: pollIntervals(v1Name), initialData: { _ in Data() }) {
            Do("getPreActualState") { context in try await steps.getPreActualState(context) }
            WaitFor("preActualState") { context in try await steps.preActualState(context) }
            Case("shouldDeploy", when: { context in context.data.needsDeploy }) {
                Do("createDeployRequest") { context in try await steps.createDeployRequest(context) }
                WaitFor("acceptedDeployRequest") { context in try await steps.acceptedDeployRequest(context) }
                WaitFor("monitorDeploymentProgress") { context in try await steps.monitorDeploymentProgress(context) }
                Do("getPostActualState") { context in try await steps.getPostActualState(context) }
                WaitFor("postActualState") { context in try await steps.postActualState(context) }
                Do("validatePostDeployActualState") { context in try steps.validatePostDeployActualState(context) }
            }
        }
    }
}
