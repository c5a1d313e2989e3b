public import Foundation
import StepFlow

/// A process store that keeps everything in memory: for tests, examples and short-lived tools.
///
/// It follows every rule of ``ProcessStore`` (leases, fencing, due index) but loses everything when
/// the program ends; use the SQLite store for durable processes.
public actor MemoryProcessStore: ProcessStore {
    private var records: [ProcessID: ProcessRecord] = [:]
    private var histories: [ProcessID: [HistoryEntry]] = [:]
    private var inboxes: [ProcessID: [ProcessSignal]] = [:]
    private var dueQueue = DueQueue()
    private let broadcaster = WakeUpBroadcaster()

    /// An empty store.
    public init() {}

    public func create(_ process: NewProcess) throws -> (record: ProcessRecord, created: Bool) {
        try ProcessLabels.validate(process.labels)
        if let existing = records[process.id] {
            guard existing.flowName == process.flowName else {
                throw ProcessStoreError.flowConflict(process.id, existing: existing.flowName, requested: process.flowName)
            }
            return (existing, false)
        }
        let record = ProcessRecord(
            id: process.id, flowName: process.flowName, state: process.state, input: process.input,
            data: process.data, status: .running, dueAt: process.now, createdAt: process.now, updatedAt: process.now,
            labels: process.labels,
            traceContext: process.traceContext
        )
        records[process.id] = record
        dueQueue.push(process.now, process.id)
        broadcaster.signal()
        return (record, true)
    }

    public func create(_ processes: [NewProcess]) throws -> [(record: ProcessRecord, created: Bool)] {
        // All or nothing, like one transaction: check every conflict before creating anything.
        for process in processes {
            if let existing = records[process.id], existing.flowName != process.flowName { _ = try create(process) }
        }
        return try processes.map { try create($0) }
    }

    public func process(_ id: ProcessID) -> ProcessRecord? {
        records[id]
    }

    public func processes(_ query: ProcessQuery) -> [ProcessRecord] {
        records.values
            .filter { record in (query.after.map { record.id > $0 } ?? true) && query.matches(record) }
            .sorted { $0.id < $1.id }
            .prefix(query.limit)
            .map { $0 }
    }

    public func history(of id: ProcessID) -> [HistoryEntry] {
        histories[id] ?? []
    }

    public func claim(_ request: ClaimRequest) -> [ClaimedProcess] {
        guard request.limit > 0 else { return [] }
        let expiry = request.leaseExpiry
        if let id = request.only {
            guard var record = records[id], record.status.isActive else { return [] }
            let leaseValid = record.lease.map { $0.expiresAt > request.now } ?? false
            guard !leaseValid, request.force || (record.dueAt.map { $0 <= request.now } ?? false) else { return [] }
            let claimed = take(&record, owner: request.owner, expiry: expiry)
            dueQueue.push(expiry, id)
            return [claimed]
        }
        var claimed: [ClaimedProcess] = []
        while claimed.count < request.limit, let top = dueQueue.top, top.due <= request.now {
            dueQueue.pop()
            guard var record = records[top.id], record.status.isActive, record.dueAt == top.due else { continue }
            claimed.append(take(&record, owner: request.owner, expiry: expiry))
        }
        // Queued once the loop is done: with a lease that has already lapsed (a zero duration), the loop
        // would otherwise find the processes it just took and return them again.
        for process in claimed { dueQueue.push(expiry, process.id) }
        return claimed
    }

    private func take(_ record: inout ProcessRecord, owner: String, expiry: Date) -> ClaimedProcess {
        record.leaseToken += 1
        record.lease = .init(owner: owner, expiresAt: expiry)
        record.dueAt = expiry
        records[record.id] = record
        return ClaimedProcess(id: record.id, leaseToken: record.leaseToken, record: .success(record))
    }

    public func commit(_ updates: [ProcessUpdate]) -> [CommitOutcome] {
        updates.map { update in
            guard var record = records[update.id], record.leaseToken == update.leaseToken, record.status.isActive else {
                return .rejected
            }
            if let state = update.state { record.state = state }
            if let data = update.data { record.data = data }
            record.status = update.status
            record.dueAt = update.dueAt
            if let stepCount = update.stepCount { record.stepCount = stepCount }
            record.attempt = update.attempt
            record.lastError = update.lastError
            record.lease = nil
            record.updatedAt = update.now
            records[update.id] = record
            if let due = update.dueAt { dueQueue.push(due, update.id) }
            if let entry = update.history { appendHistory(entry, of: update.id) }
            return .saved
        }
    }

    /// Appends a saved step's entry, or merges it into the last entry when it is one more poll of that entry's wait.
    private func appendHistory(_ entry: HistoryEntry, of id: ProcessID) {
        var entry = entry
        (entry.polls, entry.lastPolledAt) = (1, nil)  // a saved step is one poll; the store counts them
        if let last = histories[id]?.indices.last, histories[id]![last].absorbsPoll(entry) {
            histories[id]![last].absorbPoll(entry)
        } else {
            histories[id, default: []].append(entry)
        }
    }

    public func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest)
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])
    {
        (commit(updates), claim(request))
    }

    public func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) -> [ProcessID] {
        processes.compactMap { held in
            guard var record = records[held.id], record.leaseToken == held.token, record.lease?.owner == owner,
                record.status.isActive
            else { return nil }
            record.lease?.expiresAt = until
            record.dueAt = until
            records[held.id] = record
            dueQueue.push(until, held.id)
            return held.id
        }
    }

    public func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) {
        for held in processes {
            guard var record = records[held.id], record.leaseToken == held.token, record.lease?.owner == owner else {
                continue
            }
            record.lease = nil
            if record.status.isActive {
                record.dueAt = now
                dueQueue.push(now, held.id)
            }
            records[held.id] = record
        }
        broadcaster.signal()
    }

    public func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) throws -> ProcessRecord {
        try execute(command, on: id, now: now, by: caller, writesHistory: true)
    }

    /// Applies the command to each process in turn within one call to the actor, so no other call sees the batch
    /// half applied.
    public func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) throws -> [Result<ProcessRecord, ProcessStoreError>] {
        try ids.map { id in
            try ProcessStoreError.commandOutcome { try execute(command, on: id, now: now, by: caller, writesHistory: true) }
        }
    }

    private func execute(
        _ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?, writesHistory: Bool
    ) throws -> ProcessRecord {
        guard var record = records[id] else { throw ProcessStoreError.notFound(id) }
        let entry = try record.apply(command, now: now, by: caller)
        records[id] = record
        if writesHistory, let entry { histories[id, default: []].append(entry) }
        if let due = record.dueAt, record.status.isActive {
            dueQueue.push(due, id)
            broadcaster.signal()
        }
        return record
    }

    public func statistics(flowName: String?) -> ProcessStatistics {
        ProcessStatistics(counting: records.values.filter { record in flowName.map { record.flowName == $0 } ?? true })
    }

    public func purge(_ request: PurgeRequest) -> [ProcessID] {
        let ids = records.values.filter(request.matches).map(\.id).sorted().prefix(max(request.limit, 0))
        for id in ids {
            records[id] = nil
            histories[id] = nil
            inboxes[id] = nil
        }
        return Array(ids)
    }

    public func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) throws -> ProcessSignal {
        try ProcessRecord.checkSignalName(name, for: id)
        guard let record = records[id] else { throw ProcessStoreError.notFound(id) }
        let delivery = try record.signalDelivery(now: now)
        let signal = ProcessSignal(
            processID: id, sequence: Int64(inboxes[id, default: []].count + 1), name: name, payload: payload, sentAt: now
        )
        inboxes[id, default: []].append(signal)
        switch delivery {
        case .held: break
        case .due: broadcaster.signal()
        case .wake: _ = try execute(.wake, on: id, now: now, by: nil, writesHistory: false)
        }
        return signal
    }

    public func signals(of ids: [ProcessID]) -> [ProcessID: [ProcessSignal]] {
        var found: [ProcessID: [ProcessSignal]] = [:]
        for id in ids {
            if let inbox = inboxes[id], !inbox.isEmpty { found[id] = inbox }
        }
        return found
    }

    public func nextDueDate() -> Date? {
        while let top = dueQueue.top {
            if let record = records[top.id], record.status.isActive, record.dueAt == top.due { return top.due }
            dueQueue.pop()
        }
        return nil
    }

    public func dueCount(now: Date) -> Int {
        Set(dueQueue.due(at: now).filter { entry in
            records[entry.id].map { $0.status.isActive && $0.dueAt == entry.due } ?? false
        }.map(\.id)).count
    }

    public nonisolated func wakeUps() -> AsyncStream<Void> {
        broadcaster.subscribe()
    }
}
