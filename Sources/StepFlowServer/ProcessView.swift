import Foundation
import StepFlow
import StepFlowRuntime

/// A process as the API shows it: its record, with input and data as JSON and the step it is at.
struct ProcessView: Encodable, Sendable {
    /// The worker that holds a process while a step runs.
    struct Lease: Encodable, Sendable {
        var owner: String
        var expiresAt: Date
    }

    var id: String
    var flow: String
    var status: String
    /// The path of the step its next apply runs (`nil` once finished, or for a flow the server does not know).
    var step: String?
    /// Where the process is as `stepflow list` shows it and the `step` filter matches it (`ProcessRecord.currentStep`:
    /// the path without the flow's name).
    var currentStep: String?
    var state: [String]?
    var input: JSONValue?
    var data: JSONValue?
    var labels: [String: String]
    var dueAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var stepCount: Int
    var attempt: Int
    var lastError: String?
    var lease: Lease?

    /// The view of `record`; `detail` adds the state, input and data.
    init(_ record: ProcessRecord, registry: FlowRegistry, detail: Bool) {
        id = record.id.rawValue
        flow = record.flowName
        status = record.status.rawValue
        step = registry.flow(named: record.flowName)?.nextStepPath(in: record.state)
        currentStep = record.currentStep
        state = detail ? record.state.events : nil
        input = detail ? JSONValue.parse(record.input) : nil
        data = detail ? JSONValue.parse(record.data) : nil
        labels = record.labels
        dueAt = record.dueAt
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        stepCount = record.stepCount
        attempt = record.attempt
        lastError = record.lastError
        lease = record.lease.map { Lease(owner: $0.owner, expiresAt: $0.expiresAt) }
    }
}

/// One entry of a process's history, as the API shows it.
struct HistoryEntryView: Encodable, Sendable {
    var sequence: Int
    var startedAt: Date
    var step: String?
    var outcome: String
    var durationMs: Double
    var error: String?
    var worker: String
    /// Why an operator's command was given (pause, cancel…).
    var reason: String?

    init(_ entry: HistoryEntry) {
        sequence = entry.sequence
        startedAt = entry.startedAt
        step = entry.stepPath
        outcome = entry.outcome.rawValue
        durationMs = (entry.duration.timeInterval * 1000 * 1000).rounded() / 1000
        error = entry.error
        worker = entry.worker
        reason = entry.reason
    }
}

/// A signal in a process's inbox, as the API shows it.
struct SignalView: Encodable, Sendable {
    var sequence: Int64
    var name: String
    var payload: JSONValue
    var sentAt: Date

    init(_ signal: ProcessSignal) {
        sequence = signal.sequence
        name = signal.name
        payload = JSONValue.parse(signal.payload)
        sentAt = signal.sentAt
    }
}

/// One item of a flow's structure, with its children.
struct FlowItemView: Encodable, Sendable {
    var kind: String
    var name: String
    var path: String
    var isStep: Bool
    var compensable: Bool
    var children: [FlowItemView]

    init(_ item: FlowItem) {
        kind = item.kind.description
        name = item.name
        path = item.path
        isStep = item.kind.isStep
        compensable = item.hasCompensation
        children = item.children.map(FlowItemView.init)
    }
}

/// A registered flow, as the API lists it.
struct FlowView: Encodable, Sendable {
    var name: String
    var signals: [String]
    var steps: Int
    var structure: FlowItemView?

    init(_ flow: any RegisteredFlow, structure: Bool) {
        name = flow.name
        signals = flow.awaitedSignals.keys.sorted()
        steps = flow.root.allItems.filter(\.kind.isStep).count
        self.structure = structure ? FlowItemView(flow.root) : nil
    }
}
