import DeployPipeline
import StepFlowRuntime

/// The flows the CLI knows: the demo's deployment pipeline, against simulated external systems, under its own name
/// and under go-stepflow's (`deploy/v1`).
enum Flows {
    /// The names the pipeline is registered under; `stepflow demo --flow` takes one of them.
    static let deployNames = [DeployPipeline.name, DeployPipeline.goStepflowName]

    static func registry(systems: SimulatedSystems = SimulatedSystems()) throws -> FlowRegistry {
        try FlowRegistry(deployNames.map { try DeployPipeline.flow(systems: systems, name: $0) })
    }
}
