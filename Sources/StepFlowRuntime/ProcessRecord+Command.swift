public import Foundation

extension ProcessRecord {
    /// Applies a client's command to this record, as every store does, and returns the history entry to append
    /// (`nil` when the command changed nothing); throws, changing nothing, when it does not apply.
    ///
    /// - cancel: an active or paused process becomes cancelled, its lease token moves on so that a step in flight
    ///   cannot save; cancelling a cancelled process changes nothing.
    /// - wake: an active process not held by a worker becomes due now; a paused one is refused (unpause it).
    /// - resume: a failed process becomes running, due now; a paused one is refused (unpause it). Not fenced: no step
    ///   of a failed process can save.
    /// - pause: an active process becomes paused, fenced; its due time is kept (now if a worker held it, so the
    ///   interrupted step runs again). Pausing a paused process changes nothing.
    /// - unpause: a paused process becomes running (waiting if its due time is later than `now`) at its kept due time.
    /// - move: see ``ProcessMove``.
    /// - setLabels: the labels are replaced (checked by ``ProcessLabels/validate(_:)``); not fenced.
    ///
    /// The entry's `worker` is `caller`, or `client`; its sequence is the step count.
    @discardableResult
    public mutating func apply(_ command: ProcessCommand, now: Date, by caller: String? = nil) throws -> HistoryEntry? {
        let before = self
        let outcome: HistoryEntry.Outcome
        var reason: String? = nil
        switch command {
        case let .cancel(reason: why):
            if status == .cancelled { return nil }
            guard status.isActive || status == .paused else {
                throw invalid("is \(status) and cannot be cancelled; only running, waiting or paused processes can be")
            }
            status = .cancelled
            lastError = why
            dueAt = nil
            fence()
            outcome = .cancelled
            reason = why
        case .wake:
            try refuseIfPaused("woken")
            guard status.isActive else {
                throw invalid("is \(status); only running or waiting processes can be woken")
            }
            if lease.map({ $0.expiresAt > now }) ?? false { return nil }
            dueAt = now
            outcome = .woken
        case .resume:
            try refuseIfPaused("resumed")
            guard status == .failed else {
                throw invalid("is \(status); only failed processes can be resumed")
            }
            // Not fenced: a failed process has no step in flight that could save (saves need an active process).
            status = .running
            dueAt = now
            attempt = 0
            lease = nil
            outcome = .resumed
        case let .pause(reason: why):
            if status == .paused { return nil }
            guard status.isActive else {
                throw invalid("is \(status); only running or waiting processes can be paused")
            }
            let held = lease.map { $0.expiresAt > now } ?? false
            if held || dueAt == nil { dueAt = now }
            status = .paused
            fence()
            outcome = .paused
            reason = why
        case .unpause:
            guard status == .paused else {
                throw invalid("is \(status); only paused processes can be unpaused")
            }
            let due = dueAt ?? now
            status = due > now ? .waiting : .running
            dueAt = due
            fence()
            outcome = .unpaused
        case let .move(move):
            state = move.state
            if let flowName = move.flowName { self.flowName = flowName }
            if let data = move.data { self.data = data }
            lastError = nil
            attempt = 0
            if status != .paused { status = .running }
            dueAt = now
            fence()
            outcome = move.outcome
            reason = move.reason
        case let .setLabels(labels):
            try ProcessLabels.validate(labels)
            if labels == self.labels { return nil }
            self.labels = labels
            outcome = .labelled
        }
        updatedAt = now
        return HistoryEntry(
            sequence: stepCount, startedAt: now, stepPath: nil, before: before.state, after: state, duration: .zero,
            outcome: outcome, error: nil, worker: caller ?? "client", leaseToken: leaseToken, reason: reason
        )
    }

    /// Drops the lease and moves the fencing token on: a step in flight can no longer save.
    private mutating func fence() {
        lease = nil
        leaseToken += 1
    }

    private func invalid(_ problem: String) -> ProcessStoreError {
        ProcessStoreError(.invalidCommand, processID: id, "process '\(id)' \(problem)")
    }

    private func refuseIfPaused(_ verb: String) throws {
        guard status == .paused else { return }
        throw invalid("is paused and cannot be \(verb); unpause it first (stepflow unpause \(id))")
    }
}

/// What a signal sent to an active process does besides being stored, by the rules every store shares
/// (``ProcessRecord/signalDelivery(now:)``).
package enum SignalDelivery: Sendable, Hashable {
    /// A worker's valid lease holds the process: the signal is only stored; the lease and due time stay.
    case held
    /// The process is free and already due: the signal is stored and idle workers are woken.
    case due
    /// The process is free and due later: the signal is stored, and the process is woken
    /// (``ProcessCommand/wake``: due now, idle workers woken).
    case wake
}

extension ProcessRecord {
    /// Checks that a signal may be sent to a process: its name must not be empty.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` naming the process.
    package static func checkSignalName(_ name: String, for id: ProcessID) throws {
        guard !name.isEmpty else {
            throw ProcessStoreError(
                .invalidCommand, processID: id, "a signal to process '\(id)' needs a name: the name must not be empty"
            )
        }
    }

    /// What a signal sent at `now` does to this process.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` when the process has finished (completed, failed,
    ///   cancelled): it can no longer receive signals. A paused process's signals are stored (`.held`).
    package func signalDelivery(now: Date) throws -> SignalDelivery {
        // A paused process keeps its signals for when it is unpaused: stored, nothing woken.
        if status == .paused { return .held }
        guard status.isActive else {
            throw ProcessStoreError(
                .invalidCommand, processID: id,
                "process '\(id)' is \(status); signals can be sent only to running, waiting or paused processes"
            )
        }
        if let lease, lease.expiresAt > now { return .held }
        if let dueAt, dueAt <= now { return .due }
        return .wake
    }
}

extension ProcessRecord {
    /// Whether a store that has just saved this record (after a command) wakes idle workers: it is active and due,
    /// so a worker may claim it sooner than it planned to look.
    package var wakesWorkers: Bool { status.isActive && dueAt != nil }

    /// Whether any record a batched command saved (``ProcessStore/execute(_:onEach:now:by:)``) wakes idle workers.
    package static func anyWakesWorkers(_ outcomes: [Result<ProcessRecord, ProcessStoreError>]) -> Bool {
        outcomes.contains { (try? $0.get())?.wakesWorkers ?? false }
    }
}
