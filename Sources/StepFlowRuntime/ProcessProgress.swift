import StepFlow

/// The part of a ``ProcessSnapshot`` that does not depend on the flow's input and data types: what a step changes
/// besides the data.
///
/// The worker advances processes through ``RegisteredFlow``, so the flow's code runs unspecialised, and every use of
/// a `ProcessSnapshot<Input, Data>` there looks its generic metadata up (a few hundred instructions each). The
/// worker's path advances this instead, with the input and data passed beside it.
struct ProcessProgress: Sendable {
    var id: ProcessID
    var state: FlowState
    var stepCount: Int
    var attempt: Int
    var lastError: String?
}
