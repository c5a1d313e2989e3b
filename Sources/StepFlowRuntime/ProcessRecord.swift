public import Foundation
public import StepFlow

/// Everything stored about one process.
public struct ProcessRecord: Sendable, Hashable {
    /// The process's identifier.
    public var id: ProcessID
    /// The name of its flow, which carries the flow's version (e.g. `deploy.v1`).
    public var flowName: String
    /// Where the process is in its flow.
    public var state: FlowState
    /// The input the process was started with, as JSON.
    public var input: Data
    /// The process's data, as JSON: read and changed by its steps, saved with the state after each step.
    public var data: Data
    /// Where the process is in its life.
    public var status: ProcessStatus
    /// When its next step is due; `nil` once it has finished.
    public var dueAt: Date?
    /// How many steps have been applied and saved.
    public var stepCount: Int
    /// How many consecutive applies of the current step did not move on (polls not yet true, retries).
    public var attempt: Int
    /// The last error, or the reason the process failed or was cancelled.
    public var lastError: String?
    /// When the process was started.
    public var createdAt: Date
    /// When the process was last changed.
    public var updatedAt: Date
    /// The worker that holds the process, and until when, while a step runs.
    public var lease: Lease?
    /// The fencing token: incremented by every claim and by cancellation. A save succeeds only with the current token.
    public var leaseToken: Int64
    /// The process's labels (``ProcessLabels``): set when it is started or with ``StepFlowClient/setLabels(_:_:by:)``,
    /// matched by ``ProcessQuery/labels``.
    public var labels: [String: String]

    /// The path of the step the process is at, as stores index it and `stepflow list` shows it
    /// (``ProcessPosition/step(of:flowName:)``).
    public var currentStep: String? { ProcessPosition.step(of: state, flowName: flowName) }

    /// A worker's claim on a process.
    public struct Lease: Sendable, Hashable {
        /// The worker's identifier.
        public var owner: String
        /// When the claim lapses if it is not renewed.
        public var expiresAt: Date

        /// A lease held by `owner` until `expiresAt`.
        public init(owner: String, expiresAt: Date) {
            self.owner = owner
            self.expiresAt = expiresAt
        }
    }

    /// A record with every field given.
    public init(
        id: ProcessID, flowName: String, state: FlowState, input: Data, data: Data, status: ProcessStatus,
        dueAt: Date?, stepCount: Int = 0, attempt: Int = 0, lastError: String? = nil,
        createdAt: Date, updatedAt: Date, lease: Lease? = nil, leaseToken: Int64 = 0,
        labels: [String: String] = [:]
    ) {
        self.id = id
        self.flowName = flowName
        self.state = state
        self.input = input
        self.data = data
        self.status = status
        self.dueAt = dueAt
        self.stepCount = stepCount
        self.attempt = attempt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lease = lease
        self.leaseToken = leaseToken
        self.labels = labels
    }

    /// Decodes the process's data as `type`.
    public func decodeData<D: Decodable>(as type: D.Type = D.self) throws -> D {
        try ProcessJSON.decoder().decode(D.self, from: data)
    }

    /// Decodes the process's input as `type`.
    public func decodeInput<I: Decodable>(as type: I.Type = I.self) throws -> I {
        try ProcessJSON.decoder().decode(I.self, from: input)
    }
}
