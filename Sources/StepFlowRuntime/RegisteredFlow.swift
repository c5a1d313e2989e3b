public import Foundation
public import Logging
public import StepFlow

/// A durable flow as the worker and client see it, whatever its input and data types:
/// it advances stored records (decoding and encoding their JSON) and describes itself.
public protocol RegisteredFlow: Sendable {
    /// The flow's name (with its version).
    var name: String { get }

    /// The flow's items, for display.
    var root: FlowItem { get }

    /// Every transition of the flow, for display and diagrams.
    var transitions: [FlowTransition] { get }

    /// The flow drawn as a Mermaid or Graphviz DOT diagram.
    func diagram(_ format: FlowDiagram.Format) -> String

    /// The path of the step the next apply of `state` runs, or `nil` (completed, or a state the flow does not know).
    func nextStepPath(in state: FlowState) -> String?

    /// Runs the next step of a claimed record and returns the update to save.
    func advance(
        _ record: ProcessRecord, leaseToken: Int64, now: Date, worker: String,
        defaultPollInterval: Duration, signals: [ProcessSignal], logger: Logger
    ) async -> ProcessUpdate

    /// Whether the flow uses constructs beyond go-stepflow's (timers, signals, parallel branches, compensations).
    var isExtended: Bool { get }

    /// Whether the flow's steps need the process's signals; a worker reads the inbox only for such flows.
    /// Computed once, when the flow is made.
    var readsSignals: Bool { get }

    /// The signals the flow's `AwaitSignal` steps wait for, with their payload types.
    var awaitedSignals: [String: any (Decodable & Sendable).Type] { get }

    /// The state that cancels a process in `state` by running its compensations, or `nil` when it has nothing to undo.
    func cancelling(_ state: FlowState) -> FlowState?

    /// Whether a process in `state` is running its compensations (after a failure or a cancellation).
    func isCompensating(_ state: FlowState) -> Bool

    /// The steps a process can be moved to (rewound or migrated), as `list`'s AT column writes them
    /// (`StepFlow.stepTargets`).
    var stepTargets: [String] { get }

    /// The state in which `step` is about to run, keeping what stays true of `state`
    /// (`StepFlow.rewound(_:to:)`).
    func rewound(_ state: FlowState, to step: String) throws -> FlowState

    /// Where a process in `state` is, as one of ``stepTargets`` (`StepFlow.position(of:)`).
    func position(of state: FlowState) throws -> String?

    /// The state in which `step` is about to run, with these records (`StepFlow.state(about:compensationRecords:consumedSignals:)`).
    func state(about step: String, compensationRecords: [String], consumedSignals: [String: Int]) throws -> FlowState

    /// The compensation records of `state`, as relative paths (`StepFlow.compensationRecords(in:)`).
    func compensationRecords(in state: FlowState) -> [String]

    /// How many signals of each name a process in `state` consumed.
    func consumedSignals(in state: FlowState) -> [String: Int]

    /// Why a process's input or data (JSON) cannot be decoded as this flow's types, or `nil` when they can.
    func decodingProblem(input: Foundation.Data, data: Foundation.Data) -> String?
}

/// The coders of processes' input and data, shared by every step: making and releasing a coder for each
/// decode and encode cost about as much as decoding a small value. They are configured once, here, and never
/// changed, so concurrent steps use them safely.
extension RegisteredFlow {
    /// Advances a process that has no signals (see ``advance(_:leaseToken:now:worker:defaultPollInterval:signals:logger:)``).
    public func advance(
        _ record: ProcessRecord, leaseToken: Int64, now: Date, worker: String,
        defaultPollInterval: Duration, logger: Logger
    ) async -> ProcessUpdate {
        await advance(
            record, leaseToken: leaseToken, now: now, worker: worker, defaultPollInterval: defaultPollInterval,
            signals: [], logger: logger
        )
    }
}

private let processJSONDecoder = ProcessJSON.decoder()
private let processJSONEncoder = ProcessJSON.encoder()

extension ProcessFlow: RegisteredFlow {
    /// The flow's items, for display.
    public var root: FlowItem { flow.root }

    /// Every transition of the flow.
    public var transitions: [FlowTransition] { flow.transitions }

    /// The flow drawn as a Mermaid or Graphviz DOT diagram.
    public func diagram(_ format: FlowDiagram.Format) -> String { flow.diagram(format) }

    /// The path of the step the next apply of `state` runs, or `nil`.
    public func nextStepPath(in state: FlowState) -> String? { try? flow.nextStepPath(in: state) }

    public var isExtended: Bool { flow.isExtended }

    public func cancelling(_ state: FlowState) -> FlowState? { (try? flow.cancelling(state)) ?? nil }

    public func isCompensating(_ state: FlowState) -> Bool { flow.isCompensating(state) }

    /// Decodes the record's input and data, advances it by one step and encodes the result as an update.
    /// Undecodable input or data fails the process with a reason and keeps the stored values. Data whose bytes
    /// the step left as they were is not saved again (the update's data is `nil`).
    public func advance(
        _ record: ProcessRecord, leaseToken: Int64, now: Date, worker: String,
        defaultPollInterval: Duration, signals: [ProcessSignal], logger: Logger
    ) async -> ProcessUpdate {
        let input: Input
        var data: Data
        do {
            if let inputCoding {
                input = try inputCoding.decode(record.input, with: processJSONDecoder)
            } else {
                input = try processJSONDecoder.decode(Input.self, from: record.input)
            }
        } catch {
            return Self.defect(record, leaseToken: leaseToken, now: now, worker: worker,
                               reason: "the input cannot be decoded as \(Input.self): \(error)")
        }
        do {
            if let dataCoding {
                data = try dataCoding.decode(record.data, with: processJSONDecoder)
            } else {
                data = try processJSONDecoder.decode(Data.self, from: record.data)
            }
        } catch {
            return Self.defect(record, leaseToken: leaseToken, now: now, worker: worker,
                               reason: "the data cannot be decoded as \(Data.self): \(error)")
        }
        var progress = ProcessProgress(
            id: record.id, state: record.state, stepCount: record.stepCount, attempt: record.attempt,
            lastError: record.lastError
        )
        let report = await advance(
            &progress, input: input, data: &data, now: now, defaultPollInterval: defaultPollInterval, signals: signals,
            logger: logger
        )
        var encodedData: Foundation.Data? = nil
        if report.outcome == .failed {
            // The step's changes are discarded with it.
        } else {
            do {
                let bytes = try dataCoding?.encode(data, with: processJSONEncoder)
                    ?? processJSONEncoder.encode(data)
                // Unchanged bytes are not written again: `nil` keeps the stored data.
                encodedData = bytes == record.data ? nil : bytes
            } catch {
                return Self.defect(record, leaseToken: leaseToken, now: now, worker: worker,
                                   reason: "the data changed by step '\(report.stepPath ?? "-")' cannot be encoded: \(error)")
            }
        }
        return ProcessUpdate(report: report, snapshotState: progress.state, data: encodedData, stepCount: progress.stepCount,
                             attempt: progress.attempt, lastError: progress.lastError, record: record, leaseToken: leaseToken,
                             now: now, worker: worker)
    }

    static func defect(_ record: ProcessRecord, leaseToken: Int64, now: Date, worker: String, reason: String) -> ProcessUpdate {
        ProcessUpdate.failing(record.id, flowName: record.flowName, leaseToken: leaseToken, stepCount: record.stepCount, state: record.state,
                              reason: reason, now: now, worker: worker)
    }
}

extension ProcessUpdate {
    /// The update that saves a step's report.
    init(
        report: StepReport, snapshotState: FlowState, data: Foundation.Data?, stepCount: Int, attempt: Int,
        lastError snapshotError: String?, record: ProcessRecord, leaseToken: Int64, now: Date, worker: String
    ) {
        let status: ProcessStatus
        let dueAt: Date?
        let lastError: String?
        switch report.next {
        case .completed:
            (status, dueAt, lastError) = (.completed, nil, nil)
        case let .dueAt(date):
            // The snapshot's last error: a retried step's error, or the cause of the failure being compensated.
            (status, dueAt, lastError) = (date > now ? .waiting : .running, date, snapshotError)
        case let .failed(reason):
            (status, dueAt, lastError) = (.failed, nil, reason)
        case let .cancelled(reason):
            (status, dueAt, lastError) = (.cancelled, nil, reason)
        }
        let entry = HistoryEntry(
            sequence: stepCount, startedAt: report.startedAt, stepPath: report.stepPath, before: report.before,
            after: report.after, duration: report.duration, outcome: report.outcome, error: report.error,
            worker: worker, leaseToken: leaseToken
        )
        // A step that failed saves nothing but its failure; a flow that ended after its compensations saves its state.
        let failed = report.outcome == .failed
        self.init(
            id: record.id, flowName: record.flowName, leaseToken: leaseToken, state: failed ? nil : snapshotState, data: data, status: status,
            dueAt: dueAt, stepCount: stepCount, attempt: attempt, lastError: lastError, history: entry, now: now
        )
    }

    /// An update that fails a process whose stored record cannot be read at all (a corrupt row):
    /// it keeps everything stored and records the reason, without a history entry. (Its flow is not known, and
    /// not needed: the state is kept.)
    static func failingUnreadable(_ id: ProcessID, leaseToken: Int64, reason: String, now: Date) -> ProcessUpdate {
        ProcessUpdate(
            id: id, flowName: "", leaseToken: leaseToken, state: nil, data: nil, status: .failed, dueAt: nil,
            stepCount: nil, attempt: 0, lastError: reason, history: nil, now: now
        )
    }

    /// An update that fails a process whose record cannot be used, keeping its stored state and data.
    static func failing(
        _ id: ProcessID, flowName: String, leaseToken: Int64, stepCount: Int, state: FlowState, reason: String, now: Date,
        worker: String
    ) -> ProcessUpdate {
        let entry = HistoryEntry(
            sequence: stepCount + 1, startedAt: now, stepPath: nil, before: state, after: state, duration: .zero,
            outcome: .failed, error: reason, worker: worker, leaseToken: leaseToken
        )
        return ProcessUpdate(
            id: id, flowName: flowName, leaseToken: leaseToken, state: nil, data: nil, status: .failed, dueAt: nil,
            stepCount: stepCount + 1, attempt: 0, lastError: reason, history: entry, now: now
        )
    }
}
