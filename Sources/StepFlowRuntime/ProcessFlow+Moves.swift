public import Foundation
public import StepFlow

/// What a rewind and a migration need of a flow: its targets and positions (from the step flow), and whether a
/// process's JSON decodes as its types.
extension ProcessFlow {
    /// The steps a process can be moved to.
    public var stepTargets: [String] { flow.stepTargets }

    /// The state in which `step` is about to run, keeping what stays true of `state`.
    public func rewound(_ state: FlowState, to step: String) throws -> FlowState {
        try flow.rewound(state, to: step)
    }

    /// Where a process in `state` is, as one of ``stepTargets``.
    public func position(of state: FlowState) throws -> String? {
        try flow.position(of: state)
    }

    /// The state in which `step` is about to run, with these records.
    public func state(about step: String, compensationRecords: [String], consumedSignals: [String: Int]) throws -> FlowState {
        try flow.state(about: step, compensationRecords: compensationRecords, consumedSignals: consumedSignals)
    }

    /// The compensation records of `state`, as relative paths.
    public func compensationRecords(in state: FlowState) -> [String] { flow.compensationRecords(in: state) }

    /// How many signals of each name a process in `state` consumed.
    public func consumedSignals(in state: FlowState) -> [String: Int] { flow.consumedSignals(in: state) }

    /// Why `input` or `data` cannot be decoded as `Input` and `Data`, or `nil` when they can.
    public func decodingProblem(input: Foundation.Data, data: Foundation.Data) -> String? {
        let decoder = ProcessJSON.decoder()
        do {
            _ = try decoder.decode(Input.self, from: input)
        } catch {
            return "the input cannot be decoded as \(Input.self): \(error)"
        }
        do {
            _ = try decoder.decode(Data.self, from: data)
        } catch {
            return "the data cannot be decoded as \(Data.self): \(error)"
        }
        return nil
    }
}
