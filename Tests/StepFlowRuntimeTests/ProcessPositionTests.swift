import StepFlow
import StepFlowRuntime
import Testing

/// `ProcessPosition.step`: the rule behind `currentStep`, the stores' `current_step` column and `list`'s AT column.
@Suite struct ProcessPositionTests {
    @Test(arguments: [
        (["start:deploy.v1/shouldDeployCase/steps/createDeployRequest"], "shouldDeployCase/steps/createDeployRequest"),
        (["completed:deploy.v1/build", "start:deploy.v1/x"], "build"),
        (["deploy.v1/waitFor"], "waitFor"),
        // Another flow's prefix is kept: the path is shown as it is.
        (["start:other.v1/build"], "other.v1/build"),
        // A name that only starts like the flow's is not the flow's.
        (["start:deploy.v10/build"], "deploy.v10/build"),
        (["start:ünïcode.v1/ß"], "ünïcode.v1/ß"),
    ])
    func stepsAreThePathWithoutTheFlowsName(events: [String], step: String) {
        #expect(ProcessPosition.step(of: FlowState(events: events), flowName: "deploy.v1") == step)
    }

    @Test(arguments: [
        [String](), ["deploy.v1"], ["completed:deploy.v1"], ["start:"], ["start:deploy.v1/"],
        ["start:deploy.v1/a\"b"], ["start:deploy.v1/a\\b"], ["start:deploy.v1/a\nb"],
    ])
    func statesWithoutAStepHaveNone(events: [String]) {
        #expect(ProcessPosition.step(of: FlowState(events: events), flowName: "deploy.v1") == nil)
    }
}
