public import Foundation
import StepFlow

/// How processes of one flow version move onto another: which step of the new flow each step of the old one
/// becomes, and how the data changes.
///
/// A process is moved by its position: the step it runs next (``RegisteredFlow/position(of:)``; a process inside a
/// `Parallel` group is at the group). That step is mapped onto a step of the new flow — by ``steps`` (renamed or
/// moved steps, as pairs of paths written as `stepflow list` writes them), else by ``mapStep`` (anything else),
/// else to the same path — and the process gets the state in which the new step is about to run, with its
/// compensation records mapped the same way and its consumed signals kept.
///
/// ```swift
/// let migration = FlowMigration(from: "deploy.v1", to: "deploy.v2", steps: [
///     "getPreActualState": "collectPreActualStateRetry/getPreActualState",
///     "shouldDeployCase/steps/createDeployRequest": "shouldDeployCase/steps/openPullRequestRetry/createDeployRequest",
/// ])
/// try registry.register(migration)   // checked against both flows
/// let report = try await client.migrate(from: "deploy.v1", to: "deploy.v2", by: "alice")
/// ```
///
/// ``FlowRegistry/register(_:)-(FlowMigration)`` checks it against both flows: every step of the old flow must map to a
/// step the new flow can run, and every compensable step to a compensable one; otherwise registration fails and
/// names the unmapped ones.
public struct FlowMigration: Sendable {
    /// The old flow's name.
    public let from: String
    /// The new flow's name.
    public let to: String
    /// Renamed or moved steps: old path → new path, both as `stepflow list` writes them.
    public let steps: [String: String]
    /// Anything ``steps`` does not name: the new path of an old step's path, or `nil` to let it keep its path.
    public let mapStep: (@Sendable (String) -> String?)?
    /// Turns a process's data (JSON) of the old flow into data of the new one; `nil` keeps the data as it is.
    public let convertData: (@Sendable (Foundation.Data) throws -> Foundation.Data)?

    /// A migration from flow `from` to flow `to`.
    public init(
        from: String, to: String, steps: [String: String] = [:], mapStep: (@Sendable (String) -> String?)? = nil,
        convertData: (@Sendable (Foundation.Data) throws -> Foundation.Data)? = nil
    ) {
        self.from = from
        self.to = to
        self.steps = steps
        self.mapStep = mapStep
        self.convertData = convertData
    }

    /// A data conversion from `Old` to `New`, for ``init(from:to:steps:mapStep:convertData:)``: the process's JSON is
    /// decoded as `Old`, converted, and encoded as `New` (with ``ProcessJSON``'s coders).
    public static func converting<Old: Decodable & SendableMetatype, New: Encodable & SendableMetatype>(
        _ old: Old.Type, to new: New.Type, _ convert: @escaping @Sendable (Old) throws -> New
    ) -> @Sendable (Foundation.Data) throws -> Foundation.Data {
        { data in try ProcessJSON.encoder().encode(try convert(ProcessJSON.decoder().decode(Old.self, from: data))) }
    }

    /// The new flow's step for the old flow's step `path`.
    public func newStep(for path: String) -> String {
        steps[path] ?? mapStep?(path) ?? path
    }

    /// The old flow's steps and compensable steps that map to nothing the new flow knows, each with what it maps to
    /// (empty: the migration is complete). Checked by ``FlowRegistry/register(_:)-(FlowMigration)``.
    public func unmappedSteps(from old: any RegisteredFlow, to new: any RegisteredFlow) -> [String] {
        let targets = Set(new.stepTargets)
        let compensable = Set(Self.compensableSteps(of: new))
        var unmapped: [String] = []
        for step in old.stepTargets where !targets.contains(newStep(for: step)) {
            unmapped.append("\(step) → \(newStep(for: step))")
        }
        for step in Self.compensableSteps(of: old) where !compensable.contains(newStep(for: step)) {
            unmapped.append("\(step) (compensable) → \(newStep(for: step))")
        }
        return unmapped
    }

    /// The move that puts `record` (a process of `old`) onto `new`, or why it cannot be moved.
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.invalidValue` naming the reason: the process has finished, its state has
    ///   no position or no mapping, or its data cannot be decoded as the new flow's.
    public func move(_ record: ProcessRecord, from old: any RegisteredFlow, to new: any RegisteredFlow, reason: String?) throws -> ProcessMove {
        func refuse(_ why: String) -> StepFlowRuntimeError {
            StepFlowRuntimeError(.invalidValue, "process '\(record.id)' was not migrated from \(from) to \(to): \(why)")
        }
        guard record.flowName == from else { throw refuse("it runs flow '\(record.flowName)'") }
        guard !record.status.isFinished || record.status == .failed else { throw refuse("it is \(record.status)") }
        let state: FlowState
        let position: String
        do {
            guard let found = try old.position(of: record.state) else { throw refuse("it is at the end of its flow") }
            position = found
            if record.state.isEmpty {
                state = FlowState()
            } else {
                state = try new.state(
                    about: newStep(for: found), compensationRecords: old.compensationRecords(in: record.state).map(newStep(for:)),
                    consumedSignals: old.consumedSignals(in: record.state)
                )
            }
        } catch let error as StepFlowRuntimeError {
            throw error
        } catch {
            throw refuse("its state \(record.state) has no mapping: \(error)")
        }
        var data: Foundation.Data?
        if let convertData {
            do {
                data = try convertData(record.data)
            } catch {
                throw refuse("its data cannot be converted: \(error)")
            }
        }
        if let problem = new.decodingProblem(input: record.input, data: data ?? record.data) { throw refuse(problem) }
        let note = "from \(from) at \(position) to \(to) at \(record.state.isEmpty ? "its start" : newStep(for: position))"
        return ProcessMove(
            state: state, flowName: to, data: data, outcome: .migrated, reason: reason.map { "\($0) (\(note))" } ?? note
        )
    }

    /// The relative paths of a flow's compensable steps.
    static func compensableSteps(of flow: any RegisteredFlow) -> [String] {
        flow.root.allItems.filter(\.hasCompensation).map { String($0.path.dropFirst(flow.name.count + 1)) }
    }
}
