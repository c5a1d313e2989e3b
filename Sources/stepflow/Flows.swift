import DeployPipeline
import StepFlowRuntime

/// The flows the CLI knows: the demo's deployment pipeline, against simulated external systems.
enum Flows {
    static func registry(systems: SimulatedSystems = SimulatedSystems()) throws -> FlowRegistry {
        try FlowRegistry([DeployPipeline.flow(systems: systems)])
    }
}
