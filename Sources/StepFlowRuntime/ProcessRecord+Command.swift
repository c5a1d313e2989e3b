public import Foundation

extension ProcessRecord {
    /// Applies a client's command to this record, as every store does; throws when it does not apply.
    ///
    /// - cancel: an active process becomes cancelled, its lease token moves on so that a step in flight
    ///   cannot save; cancelling a cancelled process changes nothing.
    /// - wake: an active process not held by a worker becomes due now.
    /// - resume: a failed process becomes running, due now.
    public mutating func apply(_ command: ProcessCommand, now: Date) throws {
        switch command {
        case let .cancel(reason):
            if status == .cancelled { return }
            guard status.isActive else {
                throw ProcessStoreError(.invalidCommand, processID: id, "process '\(id)' is \(status) and cannot be cancelled")
            }
            status = .cancelled
            lastError = reason
            dueAt = nil
            lease = nil
            leaseToken += 1
        case .wake:
            guard status.isActive else {
                throw ProcessStoreError(.invalidCommand, processID: id, "process '\(id)' is \(status); only running or waiting processes can be woken")
            }
            let held = lease.map { $0.expiresAt > now } ?? false
            if !held { dueAt = now }
        case .resume:
            guard status == .failed else {
                throw ProcessStoreError(.invalidCommand, processID: id, "process '\(id)' is \(status); only failed processes can be resumed")
            }
            status = .running
            dueAt = now
            attempt = 0
            lease = nil
        }
        updatedAt = now
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
    /// - Throws: ``ProcessStoreError`` `.invalidCommand` when the process is not active (completed, failed,
    ///   cancelled): it can no longer receive signals.
    package func signalDelivery(now: Date) throws -> SignalDelivery {
        guard status.isActive else {
            throw ProcessStoreError(
                .invalidCommand, processID: id,
                "process '\(id)' is \(status); signals can be sent only to running or waiting processes"
            )
        }
        if let lease, lease.expiresAt > now { return .held }
        if let dueAt, dueAt <= now { return .due }
        return .wake
    }
}
