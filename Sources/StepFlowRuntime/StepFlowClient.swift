public import Foundation
public import Logging

/// Starts, inspects and steers processes in a store.
///
/// ```swift
/// let client = StepFlowClient(store: store, registry: registry)
/// let process = try await client.start(deploy, id: "checkout-service", input: DeployInput(app: "checkout"))
/// let finished = try await client.waitForCompletion(of: process.id, timeout: .seconds(60))
/// ```
public struct StepFlowClient: Sendable {
    /// The store the client works on.
    public let store: any ProcessStore
    /// The flows the client knows (needed by ``advance(_:worker:defaultPollInterval:logger:)``).
    public let registry: FlowRegistry
    /// The client's clock: the clock it was given, aligned to the store server's time (``ServerAlignedClock``).
    public let clock: any RuntimeClock
    private let serverClock: ServerAlignedClock

    /// A client of `store`.
    public init(store: any ProcessStore, registry: FlowRegistry = FlowRegistry(), clock: any RuntimeClock = SystemClock()) {
        self.store = store
        self.registry = registry
        self.serverClock = ServerAlignedClock.wrapping(clock, logger: Logger(label: "stepflow.client"))
        self.clock = serverClock
    }

    /// Starts a process of `flow` with `input` and `labels`, due at once.
    ///
    /// Starting an id that exists is idempotent: the existing process is returned unchanged.
    ///
    /// The process joins the trace of the span active here, if any (its W3C `traceparent` is saved as the
    /// record's ``ProcessRecord/traceContext``); otherwise it gets a trace of its own. Its steps' spans belong to
    /// that trace (see <doc:Observability>).
    ///
    /// - Throws: ``ProcessStoreError`` `.conflict` if the id exists with another flow, `.invalidInput` if a label
    ///   breaks a rule of ``ProcessLabels``; ``StepFlowRuntimeError`` `.invalidValue` if the input or initial data
    ///   cannot be encoded.
    @discardableResult
    public func start<Input, Data>(
        _ flow: ProcessFlow<Input, Data>, id: ProcessID = .random(), input: Input, labels: [String: String] = [:]
    ) async throws -> ProcessRecord {
        // The labels are checked by every store's create, before anything is stored.
        let encoder = ProcessJSON.encoder()
        let inputJSON: Foundation.Data
        let dataJSON: Foundation.Data
        do {
            inputJSON = try encoder.encode(input)
            dataJSON = try encoder.encode(flow.initialData(input))
        } catch {
            throw StepFlowRuntimeError(.invalidValue, "the input of process '\(id)' cannot be encoded as JSON: \(error)")
        }
        try await serverClock.synchronizeIfDue(with: store)
        return try await store.create(NewProcess(
            id: id, flowName: flow.name, input: inputJSON, data: dataJSON, now: clock.now, labels: labels,
            traceContext: ProcessTrace.contextForNewProcess()
        )).record
    }

    /// The process with this id.
    ///
    /// - Throws: ``ProcessStoreError`` `.notFound`.
    public func process(_ id: ProcessID) async throws -> ProcessRecord {
        guard let record = try await store.process(id) else { throw ProcessStoreError.notFound(id) }
        return record
    }

    /// The history of a process, oldest first.
    public func history(of id: ProcessID) async throws -> [HistoryEntry] {
        try await store.history(of: id)
    }

    /// Processes matching `query`, ordered by id.
    public func list(_ query: ProcessQuery = ProcessQuery()) async throws -> [ProcessRecord] {
        try await store.processes(query)
    }

    /// Cancels a process: it stops at the next step boundary, and records why.
    ///
    /// A process with nothing to undo stops at once: a step in flight cannot save its result. A process whose flow
    /// (registered with this client) has compensable steps done is asked to stop instead: the step in flight (if any)
    /// saves, then the compensations run, last step first, each a durable step, and the process ends `cancelled`
    /// with `reason` as its last error. Put who cancelled in the reason (`"by alice: release frozen"`).
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` for a process that is already running its compensations
    ///   (it ends `failed` or `cancelled` once they are done; stopping them halfway would leave work half undone).
    @discardableResult
    public func cancel(_ id: ProcessID, reason: String) async throws -> ProcessRecord {
        try await cancel(id, reason: reason, by: nil)
    }

    /// Cancels a process as ``cancel(_:reason:)`` does, naming the caller in its history (`by`, or `client`).
    ///
    /// A paused process stops at once: its compensations, if any, do not run (unpause it first for them to run).
    @discardableResult
    public func cancel(_ id: ProcessID, reason: String, by caller: String?) async throws -> ProcessRecord {
        try await ProcessTrace.command("cancel", id: id) { link in
            let record = try await process(id)
            link(record.traceContext)
            return try await cancel(record, reason: reason, by: caller)
        }
    }

    private func cancel(_ record: ProcessRecord, reason: String, by caller: String?) async throws -> ProcessRecord {
        let id = record.id
        let flow = registry.flow(named: record.flowName)
        if !record.status.isFinished, flow?.isCompensating(record.state) == true {
            throw ProcessStoreError(
                .invalidCommand, processID: id,
                "process '\(id)' is already running its compensations; it ends once they are done, so it is not stopped halfway"
            )
        }
        if record.status.isActive, let flow, flow.cancelling(record.state) != nil {
            _ = try await store.sendSignal(to: id, name: ProcessSignal.cancellation, payload: Data(reason.utf8), now: clock.now)
            return try await process(id)
        }
        return try await store.execute(.cancel(reason: reason), on: id, now: clock.now, by: caller)
    }

    /// Sends signal `name` with `payload` to process `id`, for its `AwaitSignal(name, as: Payload.self)` step.
    ///
    /// The signal is kept in the process's inbox until a step consumes it: it may be sent before the process
    /// reaches the step, or while no worker runs. An idle process is woken at once.
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.invalidValue` when the process's flow (registered with this client)
    ///   awaits no signal of that name or one with another payload type — nothing is stored then;
    ///   ``ProcessStoreError`` `.notFound` for an unknown process, `.invalidCommand` for one that has finished.
    @discardableResult
    public func signal<Payload: Encodable & Sendable>(_ id: ProcessID, _ name: String, _ payload: Payload) async throws -> ProcessSignal {
        try await ProcessTrace.command("signal", id: id) { link in
            try await send(id, name, payload, record: try await tracedProcess(id, link))
        }
    }

    private func send<Payload: Encodable & Sendable>(
        _ id: ProcessID, _ name: String, _ payload: Payload, record: ProcessRecord
    ) async throws -> ProcessSignal {
        let expected = try awaitedSignalType(of: id, name, record: record)
        guard expected == Payload.self else {
            throw StepFlowRuntimeError(
                .invalidValue, "signal '\(name)' of process '\(id)' carries a \(expected), not a \(Payload.self); nothing was sent"
            )
        }
        let bytes: Data
        do {
            bytes = try ProcessJSON.encoder().encode(payload)
        } catch {
            throw StepFlowRuntimeError(.invalidValue, "the payload of signal '\(name)' cannot be encoded: \(error)")
        }
        return try await store.sendSignal(to: id, name: name, payload: bytes, now: clock.now)
    }

    /// Sends signal `name` with a JSON payload (as typed on a command line), checked against the payload type the
    /// process's flow expects.
    ///
    /// - Throws: like ``signal(_:_:_:)``; ``StepFlowRuntimeError`` `.invalidValue` when `json` does not decode as
    ///   the expected payload type.
    @discardableResult
    public func signal(_ id: ProcessID, _ name: String, json: Data) async throws -> ProcessSignal {
        try await ProcessTrace.command("signal", id: id) { link in
            let expected = try awaitedSignalType(of: id, name, record: try await tracedProcess(id, link))
            do {
                _ = try ProcessJSON.decoder().decode(expected, from: json)
            } catch {
                throw StepFlowRuntimeError(
                    .invalidValue, "the payload of signal '\(name)' is not a valid \(expected): \(error); nothing was sent"
                )
            }
            return try await store.sendSignal(to: id, name: name, payload: json, now: clock.now)
        }
    }

    /// The process with this id, its trace linked to the command's span.
    private func tracedProcess(_ id: ProcessID, _ link: (String?) -> Void) async throws -> ProcessRecord {
        let record = try await process(id)
        link(record.traceContext)
        return record
    }

    /// The payload type the flow of `record` expects for signal `name`.
    private func awaitedSignalType(of id: ProcessID, _ name: String, record: ProcessRecord) throws -> any (Decodable & Sendable).Type {
        guard let flow = registry.flow(named: record.flowName) else {
            throw StepFlowRuntimeError(
                .unknownFlow, "process '\(id)' runs flow '\(record.flowName)', which this client does not know; register it to send signals"
            )
        }
        guard let expected = flow.awaitedSignals[name] else {
            let known = flow.awaitedSignals.keys.sorted()
            throw StepFlowRuntimeError(
                .invalidValue, "flow '\(record.flowName)' awaits no signal named '\(name)' (it awaits \(known)); nothing was sent"
            )
        }
        return expected
    }

    /// Makes a running or waiting process due now, and wakes an idle worker.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` for a finished or paused process (unpause it first).
    @discardableResult
    public func wake(_ id: ProcessID) async throws -> ProcessRecord {
        try await wake(id, by: nil)
    }

    /// Wakes a process as ``wake(_:)`` does, naming the caller in its history (`by`, or `client`).
    @discardableResult
    public func wake(_ id: ProcessID, by caller: String?) async throws -> ProcessRecord {
        try await execute(.wake, "wake", on: id, by: caller)
    }

    /// Makes a failed process run again from its saved state (for instance once its flow version is registered).
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` for a process that is not failed (a paused one: unpause it).
    @discardableResult
    public func resume(_ id: ProcessID) async throws -> ProcessRecord {
        try await resume(id, by: nil)
    }

    /// Resumes a process as ``resume(_:)`` does, naming the caller in its history (`by`, or `client`).
    @discardableResult
    public func resume(_ id: ProcessID, by caller: String?) async throws -> ProcessRecord {
        try await execute(.resume, "resume", on: id, by: caller)
    }

    /// Executes `command` in a span (`stepflow.<name>`) linked to the process's trace.
    func execute(_ command: ProcessCommand, _ name: String, on id: ProcessID, by caller: String?) async throws -> ProcessRecord {
        try await ProcessTrace.command(name, id: id) { link in
            let record = try await store.execute(command, on: id, now: clock.now, by: caller)
            link(record.traceContext)
            return record
        }
    }

    /// Waits until the process has finished (completed, failed or cancelled) and returns it.
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.timeout` when `timeout` passes first.
    public func waitForCompletion(
        of id: ProcessID, timeout: Duration? = nil, checkEvery interval: Duration = .milliseconds(50)
    ) async throws -> ProcessRecord {
        let deadline = timeout.map { clock.now.addingTimeInterval($0.timeInterval) }
        while true {
            let record = try await process(id)
            if record.status.isFinished { return record }
            if let deadline, clock.now >= deadline {
                throw StepFlowRuntimeError(.timeout, "process '\(id)' is still \(record.status) after \(timeout!); it is at \(record.state)")
            }
            try await clock.sleep(until: clock.now.addingTimeInterval(interval.timeInterval))
        }
    }

    /// Advances one process by one step now, without a worker — for callers that bring their own scheduler
    /// (a reconcile loop, a cron job) — and says what to do next.
    ///
    /// The process is claimed (even if not yet due, but never while another worker holds it), stepped with
    /// its registered flow, and saved like a worker's step.
    ///
    /// - Returns: ``NextAction/completed``, ``NextAction/dueAt(_:)`` or ``NextAction/failed(_:)``; a process that
    ///   had already finished returns its end (`.completed`, or `.failed` with its reason).
    /// - Throws: ``ProcessStoreError`` `.notFound`, or `.conflict` when another worker holds the process.
    public func advance(
        _ id: ProcessID, worker: String = "client", defaultPollInterval: Duration = .seconds(5),
        logger: Logger = Logger(label: "stepflow.client")
    ) async throws -> NextAction {
        try await serverClock.synchronizeIfDue(with: store)
        let now = clock.now
        let current = try await process(id)
        if current.status.isFinished { return Self.next(for: current) }
        if current.status == .paused {
            throw ProcessStoreError(.invalidCommand, processID: id, "process '\(id)' is paused; unpause it before advancing it")
        }
        let claimed = try await store.claim(ClaimRequest(
            owner: worker, now: now, leaseDuration: .seconds(300), limit: 1, only: id, force: true
        ))
        guard let claim = claimed.first else {
            throw ProcessStoreError(.conflict, processID: id, "process '\(id)' is held by another worker (\(current.lease?.owner ?? "?")); try again later")
        }
        let runner = StepRunner(registry: registry, worker: worker, defaultPollInterval: defaultPollInterval, logger: logger)
        let update = await runner.run(try await runner.jobs([claim], store: store)[0], now: now).update
        guard try await store.commit([update]) == [.saved] else {
            throw ProcessStoreError(.conflict, processID: id, "process '\(id)' was cancelled or taken over while its step ran; the result was dropped")
        }
        switch update.status {
        case .completed: return .completed
        case .cancelled: return .cancelled(update.lastError ?? "cancelled")
        case .failed: return .failed(update.lastError ?? "failed")
        case .running, .waiting, .paused: return .dueAt(update.dueAt ?? now)
        }
    }

    private static func next(for record: ProcessRecord) -> NextAction {
        switch record.status {
        case .completed: .completed
        case .cancelled: .cancelled(record.lastError ?? "cancelled")
        case .failed: .failed(record.lastError ?? record.status.rawValue)
        case .running, .waiting, .paused: .dueAt(record.dueAt ?? record.updatedAt)
        }
    }
}
