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
