public import Foundation
public import StepFlow

/// Where processes live: the only place that knows how they are stored.
///
/// Every store — ``MemoryProcessStore``, the SQLite store, the PostgreSQL store — passes the same
/// conformance suite (`StepFlowTesting`). The rules every implementation keeps:
/// - Creating a process (`create(_:)`, one or many) is idempotent on the id.
/// - ``claim(_:)`` finds due processes through an index on the due time, never by scanning all processes;
///   each claim sets a lease (owner, expiry), increments the fencing token and moves the due time to the
///   lease's expiry, so a process whose worker died becomes due again when its lease lapses.
/// - ``commit(_:)`` saves each update only if the process still has the update's lease token and is not
///   finished; otherwise that update is rejected (and the others are still saved). All saves of one call,
///   history included, are one transaction.
/// - ``commit(_:thenClaim:)`` is a commit followed by a claim that sees it.
/// - ``sendSignal(to:name:payload:now:)`` stores the signal durably before it returns, in the same transaction
///   as the due time it moves.
/// - A store with a clock of its own (``serverTime()`` is not `nil`: PostgreSQL) decides every time that schedules
///   or fences work by that clock, and does not use the `now` its callers pass (see <doc:Time>).
public protocol ProcessStore: Sendable {
    /// Creates a process unless one with the same id exists; returns the stored record and whether it was created.
    func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool)

    /// Creates many processes at once (one transaction where the store has them), each idempotent on its id;
    /// returns, in order, the stored records and whether each was created.
    func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)]

    /// The process with this id, or `nil`.
    func process(_ id: ProcessID) async throws -> ProcessRecord?

    /// Processes matching `query`, ordered by id.
    func processes(_ query: ProcessQuery) async throws -> [ProcessRecord]

    /// The history of a process, oldest first.
    func history(of id: ProcessID) async throws -> [HistoryEntry]

    /// Claims up to `request.limit` due processes (or the one named by `request.only`, if it is due or `force` is set)
    /// for `request.owner`.
    func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess]

    /// Saves the updates in one transaction, each only if its lease token is still current; returns, in order,
    /// whether each was saved.
    func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome]

    /// Saves `updates` as ``commit(_:)`` does and then claims as ``claim(_:)`` does, in one transaction where the
    /// store has them: a worker saves one round's steps and takes the next round's processes with one commit
    /// (one sync to disk) instead of two. The claim sees the saves, so a process saved due at or before
    /// `request.now` may be claimed again at once; its next step still runs only after this call returns, when
    /// the save is committed.
    ///
    /// Stores without such transactions get a default that calls ``commit(_:)`` and then ``claim(_:)``.
    func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest) async throws
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])

    /// Extends the leases `owner` holds on `processes` (by token) until `until`; returns the ids still held.
    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID]

    /// Extends the leases `owner` holds on `processes` (by token) for `duration` past the store's time: `now` for a
    /// store that schedules by its callers' clocks, the server's for one that has its own (``serverTime()``).
    /// Returns the ids still held. The default calls ``renewLeases(_:owner:until:)`` with `now + duration`.
    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date, for duration: Duration) async throws -> [ProcessID]

    /// Gives back leases without saving a step: the processes become due at `now`.
    func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws

    /// Applies a client's command (cancel, wake, resume, pause, unpause, move, set labels) to a process, by the rules
    /// every store shares (``ProcessRecord/apply(_:now:by:)``), appends the history entry the command writes (naming
    /// `by`, or `client`), and returns the changed record. All in one transaction.
    ///
    /// - Throws: ``ProcessStoreError`` `.notFound`, or `.invalidCommand` when the command does not apply
    ///   to the process's status (e.g. waking a completed process); nothing is stored then.
    func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord

    /// Applies the same command to each of `ids` as ``execute(_:on:now:by:)`` does (the same rules, history entries and
    /// fencing: a cancel, pause, unpause or move moves each process's lease token on), in one transaction where the
    /// store has them: a bulk action's batch costs one commit (one sync to disk) instead of one per process.
    ///
    /// Returns one outcome per id, in order. A process that does not exist (`.notFound`) or refuses the command
    /// (`.invalidCommand`) is reported for its id, nothing is stored for it, and the others are still applied.
    /// A repeated id is applied again, in turn.
    ///
    /// Stores without such transactions get a default that calls ``execute(_:on:now:by:)`` for each id.
    ///
    /// - Throws: any other error (the store unavailable, a corrupt row, labels that break a rule): then nothing is
    ///   stored where the store has transactions (the default has stored the ids before the failing one).
    func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>]

    /// Counts the processes (of `flowName`, or all) by flow, status and current step.
    func statistics(flowName: String?) async throws -> ProcessStatistics

    /// Deletes up to `request.limit` finished processes that `request` selects, with their history and signals, in
    /// one transaction; returns the ids deleted. A running, waiting or paused process is never deleted.
    func purge(_ request: PurgeRequest) async throws -> [ProcessID]

    /// Appends a signal to the inbox of process `id` and, when the process is active and not leased by a worker,
    /// makes it due at `now` (if it was due later) and wakes idle workers. Throws `ProcessStoreError.notFound` when
    /// no process has the id, and `.invalidCommand` when the process is not active (completed, failed, cancelled):
    /// nothing is stored then.
    ///
    /// The signal's sequence is the next of the process's inbox (1, 2, 3…, across all names), unique even when
    /// several senders signal the process at once. A process leased by a worker keeps its lease and due time: the
    /// worker's save still succeeds, and the worker reads the signal at the process's next step.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` also when `name` is empty.
    func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal

    /// The signals of the given processes, each list in sequence order (processes without signals are absent).
    func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]]

    /// The earliest due time of any active process that is not leased past it, or `nil` when none is active.
    func nextDueDate() async throws -> Date?

    /// How many active processes are due at `now`.
    func dueCount(now: Date) async throws -> Int

    /// The current time of the clock that schedules this store's processes, when that clock is not the caller's:
    /// a database server's (PostgreSQL). `nil` when the store takes the times its callers pass (memory, SQLite).
    ///
    /// A store that returns a time here decides due times, lease expiry and claims by that clock, whatever `now`
    /// its callers pass; workers and clients align their own clocks to it with ``ServerAlignedClock``.
    func serverTime() async throws -> Date?

    /// A stream that yields whenever a process may have become due sooner than planned (started, woken, resumed),
    /// so an idle worker can claim it at once. Each call returns a new subscription; a worker subscribes once
    /// per run.
    func wakeUps() -> AsyncStream<Void>
}

extension ProcessStore {
    /// Applies `command` with no caller named (the history names `client`).
    public func execute(_ command: ProcessCommand, on id: ProcessID, now: Date) async throws -> ProcessRecord {
        try await execute(command, on: id, now: now, by: nil)
    }

    /// Applies `command` to each of `ids` with ``execute(_:on:now:by:)``, one call (one transaction) each, for stores
    /// that cannot apply a batch in one; a `.notFound` or `.invalidCommand` is reported for its id.
    public func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>] {
        var outcomes: [Result<ProcessRecord, ProcessStoreError>] = []
        outcomes.reserveCapacity(ids.count)
        for id in ids {
            outcomes.append(try await ProcessStoreError.commandOutcome {
                try await execute(command, on: id, now: now, by: caller)
            })
        }
        return outcomes
    }

    /// Extends the leases until `now + duration`, with ``renewLeases(_:owner:until:)``.
    public func renewLeases(
        _ processes: [ProcessLeaseToken], owner: String, now: Date, for duration: Duration
    ) async throws -> [ProcessID] {
        try await renewLeases(processes, owner: owner, until: now.addingTimeInterval(duration.timeInterval))
    }

    /// `nil`: the store schedules by the times its callers pass (their clocks).
    public func serverTime() async throws -> Date? { nil }

    /// Saves `updates` with ``commit(_:)``, then claims with ``claim(_:)``: two transactions, for stores that
    /// cannot do both in one.
    public func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest) async throws
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])
    {
        let outcomes = try await commit(updates)
        return (outcomes, try await claim(request))
    }
}

/// A process to create.
public struct NewProcess: Sendable, Hashable {
    /// Its identifier.
    public var id: ProcessID
    /// The flow's name (with its version).
    public var flowName: String
    /// The input, as JSON.
    public var input: Data
    /// The initial data, as JSON.
    public var data: Data
    /// The initial state (usually empty: not started).
    public var state: FlowState
    /// When it was created; it is due at that time. A store with a server clock uses the server's time instead.
    public var now: Date
    /// Its labels (checked by ``ProcessLabels/validate(_:)``).
    public var labels: [String: String]
    /// The process's trace, as a W3C `traceparent` (see ``ProcessRecord/traceContext``); `nil` for none.
    public var traceContext: String?

    /// A new process description.
    public init(
        id: ProcessID, flowName: String, input: Data, data: Data, state: FlowState = FlowState(), now: Date,
        labels: [String: String] = [:], traceContext: String? = nil
    ) {
        self.traceContext = traceContext
        self.id = id
        self.flowName = flowName
        self.input = input
        self.data = data
        self.state = state
        self.now = now
        self.labels = labels
    }
}

/// A filter for listing processes: one page of them, ordered by id.
///
/// Every record of the page is read into memory, so `limit` is the caller's bound on that memory; it is not capped,
/// because a cap would either cut a result short without a word or fail callers that know their store is small.
/// To walk more processes than fit in one page, page by keyset: pass the last id of a page as the next query's
/// `after` (``ProcessStore/pages(_:)`` does that), and keep `limit` at a page's size.
public struct ProcessQuery: Sendable, Hashable {
    /// Only processes of this flow.
    public var flowName: String?
    /// Only processes with one of these statuses.
    public var statuses: Set<ProcessStatus>?
    /// Only processes whose id starts with this text (compared as UTF-8 bytes); a range of the id index, so the
    /// other processes of the store are not read.
    public var idPrefix: String?
    /// At most this many (a page; see the type's discussion).
    public var limit: Int
    /// Only ids greater than this one (for paging).
    public var after: ProcessID?
    /// Only processes that have every one of these labels, with these values.
    public var labels: [String: String]
    /// Only processes at this step (``ProcessRecord/currentStep``, as `stepflow list` shows it).
    public var step: String?
    /// Only processes created at or after this time.
    public var createdAfter: Date?
    /// Only processes created before this time.
    public var createdBefore: Date?
    /// Only processes last changed at or after this time.
    public var updatedAfter: Date?
    /// Only processes last changed before this time.
    public var updatedBefore: Date?

    /// A filter; every criterion is optional.
    public init(
        flowName: String? = nil, statuses: Set<ProcessStatus>? = nil, idPrefix: String? = nil, limit: Int = 1000,
        after: ProcessID? = nil, labels: [String: String] = [:], step: String? = nil, createdAfter: Date? = nil,
        createdBefore: Date? = nil, updatedAfter: Date? = nil, updatedBefore: Date? = nil
    ) {
        self.flowName = flowName
        self.statuses = statuses
        self.idPrefix = idPrefix
        self.limit = limit
        self.after = after
        self.labels = labels
        self.step = step
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.updatedAfter = updatedAfter
        self.updatedBefore = updatedBefore
    }

    /// Whether `record` passes every criterion but the paging ones (`after`, `limit`): the rule the SQL stores'
    /// queries spell out, and the memory store applies as it is.
    public func matches(_ record: ProcessRecord) -> Bool {
        (flowName.map { record.flowName == $0 } ?? true)
            && (statuses.map { $0.contains(record.status) } ?? true)
            && matchesIDPrefix(record.id)
            && labels.allSatisfy { record.labels[$0.key] == $0.value }
            && (step.map { record.currentStep == $0 } ?? true)
            && (createdAfter.map { record.createdAt >= $0 } ?? true)
            && (createdBefore.map { record.createdAt < $0 } ?? true)
            && (updatedAfter.map { record.updatedAt >= $0 } ?? true)
            && (updatedBefore.map { record.updatedAt < $0 } ?? true)
    }
}

/// A worker's request for due processes.
public struct ClaimRequest: Sendable, Hashable {
    /// The worker's identifier, written into each lease.
    public var owner: String
    /// The current time: processes due at or before it are claimed (by a store with a server clock, at the
    /// server's time instead).
    public var now: Date
    /// How long the leases last.
    public var leaseDuration: Duration
    /// The most processes to claim.
    public var limit: Int
    /// Claim only this process (for ``StepFlowClient/advance(_:worker:defaultPollInterval:logger:)``).
    public var only: ProcessID?
    /// With `only`: claim it even if it is not due yet (but never while another worker's lease is valid).
    public var force: Bool

    /// A claim request.
    public init(owner: String, now: Date, leaseDuration: Duration, limit: Int, only: ProcessID? = nil, force: Bool = false) {
        self.owner = owner
        self.now = now
        self.leaseDuration = leaseDuration
        self.limit = limit
        self.only = only
        self.force = force
    }

    /// When leases taken at `now` lapse.
    public var leaseExpiry: Date { now.addingTimeInterval(leaseDuration.timeInterval) }
}

/// A claimed process: its lease token and its record, or why the record could not be read.
public struct ClaimedProcess: Sendable {
    /// The process's identifier.
    public var id: ProcessID
    /// The fencing token of this claim; the step's save must carry it.
    public var leaseToken: Int64
    /// The record, or the defect that prevents reading it (a corrupt row): the worker fails the process with it.
    public var record: Result<ProcessRecord, ProcessStoreError>

    /// A claimed process.
    public init(id: ProcessID, leaseToken: Int64, record: Result<ProcessRecord, ProcessStoreError>) {
        self.id = id
        self.leaseToken = leaseToken
        self.record = record
    }
}

/// A process id with the lease token a worker holds on it.
public struct ProcessLeaseToken: Sendable, Hashable {
    /// The process.
    public var id: ProcessID
    /// The token of the worker's claim.
    public var token: Int64

    /// A process id with a lease token.
    public init(id: ProcessID, token: Int64) {
        self.id = id
        self.token = token
    }
}

/// The result of one step, to be saved if the worker still holds the process.
public struct ProcessUpdate: Sendable, Hashable {
    /// The process.
    public var id: ProcessID
    /// The process's flow: with ``state``, it says which step the process is at (``ProcessPosition/step(of:flowName:)``),
    /// which the SQL stores save for searches and statistics. Unused when ``state`` is `nil`.
    public var flowName: String
    /// The lease token the worker held; the save is rejected if it is no longer current.
    public var leaseToken: Int64
    /// The new state, or `nil` to keep the stored one (for instance when it could not be read).
    public var state: FlowState?
    /// The new data, or `nil` to keep the stored data.
    public var data: Data?
    /// The new status.
    public var status: ProcessStatus
    /// When the next step is due (`nil` for a finished process).
    public var dueAt: Date?
    /// The new step count, or `nil` to keep the stored one (when the record could not be read).
    public var stepCount: Int?
    /// The new attempt count.
    public var attempt: Int
    /// The new last error (`nil` clears it).
    public var lastError: String?
    /// The history entry to append, if any.
    public var history: HistoryEntry?
    /// The time of the save.
    public var now: Date

    /// An update with every field given. The lease is released by the save.
    public init(
        id: ProcessID, flowName: String, leaseToken: Int64, state: FlowState?, data: Data?, status: ProcessStatus,
        dueAt: Date?, stepCount: Int?, attempt: Int, lastError: String?, history: HistoryEntry?, now: Date
    ) {
        self.id = id
        self.flowName = flowName
        self.leaseToken = leaseToken
        self.state = state
        self.data = data
        self.status = status
        self.dueAt = dueAt
        self.stepCount = stepCount
        self.attempt = attempt
        self.lastError = lastError
        self.history = history
        self.now = now
    }
}

/// Whether one update of a commit was saved.
public enum CommitOutcome: Sendable, Hashable {
    /// Saved.
    case saved
    /// Rejected: the worker no longer holds the process (its lease was taken over, or it was cancelled).
    /// The worker must drop the step's result.
    case rejected
}

/// A client's command on one process.
///
/// The commands that change where a process is or whether it may run — cancel, pause, unpause, move — are fenced:
/// they move the process's lease token on, so a step in flight has its save rejected and runs again later (steps run
/// at least once). The others change nothing a step's save writes: wake leaves a process a worker holds alone, resume
/// applies to a failed process (which has no step in flight), and a step's save never writes labels.
public enum ProcessCommand: Sendable, Hashable {
    /// Stop the process at the next step boundary; any step in flight has its save rejected.
    case cancel(reason: String)
    /// Make a running or waiting process due now.
    case wake
    /// Make a failed process running again, due now (for instance once the right flow version is registered).
    case resume
    /// Stop a running or waiting process from being claimed until it is unpaused; a step in flight has its save
    /// rejected. Its due time is kept.
    case pause(reason: String)
    /// Let a paused process be claimed again, at its kept due time (at once if that time has passed).
    case unpause
    /// Replace the process's state (and flow or data): an operator's move, for rewind and migration.
    case move(ProcessMove)
    /// Replace the process's labels (checked by ``ProcessLabels/validate(_:)``).
    case setLabels([String: String])
}

/// An operator's write of a process's position (``ProcessCommand/move(_:)``): used to rewind a process to a step
/// and to migrate it to a new version of its flow.
///
/// It replaces the state (and the flow name and data when given), clears the last error and the attempt count,
/// drops the lease and moves the lease token on (a step in flight cannot save), and makes the process running and
/// due now. A paused process stays paused (its due time becomes now). It applies to a process of any status.
public struct ProcessMove: Sendable, Hashable {
    /// The new state.
    public var state: FlowState
    /// The new flow name, or `nil` to keep it.
    public var flowName: String?
    /// The new data (JSON), or `nil` to keep it.
    public var data: Data?
    /// The outcome of the history entry the move writes (``HistoryEntry/Outcome/rewound``, `.migrated`).
    public var outcome: HistoryEntry.Outcome
    /// Why, as the history entry records it.
    public var reason: String

    /// A move.
    public init(state: FlowState, flowName: String? = nil, data: Data? = nil, outcome: HistoryEntry.Outcome, reason: String) {
        self.state = state
        self.flowName = flowName
        self.data = data
        self.outcome = outcome
        self.reason = reason
    }
}

/// What ``ProcessStore/purge(_:)`` deletes: finished processes last changed before a time.
public struct PurgeRequest: Sendable, Hashable {
    /// Only processes that finished (were last changed) before this time.
    public var finishedBefore: Date
    /// Only processes of this flow.
    public var flowName: String?
    /// Only these statuses; `nil` for every finished status. Statuses that are not finished are ignored.
    public var statuses: Set<ProcessStatus>?
    /// The most processes to delete in this call (one transaction).
    public var limit: Int
    /// When set, a store shared by many workers lets only one caller purge at a time (PostgreSQL: an advisory
    /// lock); another caller then deletes nothing and gets an empty list.
    public var exclusive: Bool

    /// A purge request.
    public init(
        finishedBefore: Date, flowName: String? = nil, statuses: Set<ProcessStatus>? = nil, limit: Int = 500,
        exclusive: Bool = false
    ) {
        self.finishedBefore = finishedBefore
        self.flowName = flowName
        self.statuses = statuses
        self.limit = limit
        self.exclusive = exclusive
    }

    /// The finished statuses the request selects.
    public var finishedStatuses: [ProcessStatus] {
        ProcessStatus.allCases.filter { $0.isFinished && (statuses?.contains($0) ?? true) }
    }

    /// Whether `record` is one the request deletes (ignoring the limit).
    public func matches(_ record: ProcessRecord) -> Bool {
        finishedStatuses.contains(record.status) && record.updatedAt < finishedBefore
            && (flowName.map { record.flowName == $0 } ?? true)
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
