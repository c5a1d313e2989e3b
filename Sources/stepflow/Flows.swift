import DeployPipeline
import StepFlowRuntime

/// The flows the CLI knows, against simulated external systems: the deployment pipeline's first version
/// (`deploy.v1`, go-stepflow's example), its extended version (`deploy.v2`, also registered under go-stepflow's
/// name `deploy/v1`), and the migration from the first to the second.
enum Flows {
    /// The names the pipeline is registered under; `stepflow demo --flow` takes one of them.
    static let deployNames = [DeployPipeline.name, DeployPipeline.v1Name, DeployPipeline.goStepflowName]

    /// The pipeline registered under `name` (one of ``deployNames``).
    static func deployFlow(named name: String, systems: SimulatedSystems) throws -> ProcessFlow<DeployPipeline.Input, DeployPipeline.Data> {
        name == DeployPipeline.v1Name ? try DeployPipeline.flowV1(systems: systems) : try DeployPipeline.flow(systems: systems, name: name)
    }

    static func registry(systems: SimulatedSystems = SimulatedSystems()) throws -> FlowRegistry {
        try FlowRegistry(
            try deployNames.map { try deployFlow(named: $0, systems: systems) },
            migrations: [DeployPipeline.migrationFromV1]
        )
    }
}
