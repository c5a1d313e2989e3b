public import Foundation
import Logging
import PostgresNIO
public import StepFlowRuntime

extension PostgresProcessStore {
    /// Stores the signal and moves the due time in one transaction, at the server's time (`now` is not used), with the process's row locked (`FOR UPDATE`)
    /// from the read to the commit, so that concurrent senders get consecutive sequences; sends a `NOTIFY` as a
    /// wake does, so that ``wakeUps()`` yields on every machine.
    public func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal {
        try ProcessRecord.checkSignalName(name, for: id)
        let (sql, logger, server) = (sql, logger, configuration.server)
        let sent = try await transaction("send the signal '\(name)' to process '\(id)'") { connection in
            try await Self.sendSignal(connection, to: id, name: name, payload: payload, sql, logger: logger, server: server)
        }
        if sent.wakeWorkers { broadcaster.signal() }
        return sent.signal
    }

    public func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]] {
        guard !ids.isEmpty else { return [:] }
        let (sql, logger, server) = (sql, logger, configuration.server)
        return try await withConnection("read the signals of \(ids.count) processes") { connection in
            var binds = PostgresBindings()
            binds.append(Array(Set(ids.map(\.rawValue))))
            var found: [ProcessID: [ProcessSignal]] = [:]
            for row in try await Transactions.rows(connection, sql.selectSignals, binds, logger: logger) {
                let signal = try RowReader.signal(row, server: server)
                found[signal.processID, default: []].append(signal)
            }
            return found
        }
    }

    /// A stored signal and whether idle workers should be woken.
    private struct SentSignal: Sendable {
        let signal: ProcessSignal
        let wakeWorkers: Bool
    }

    /// The body of ``sendSignal(to:name:payload:now:)``, inside its transaction: the signal is sent, and the
    /// process made due, at the server's time.
    private static func sendSignal(
        _ connection: PostgresConnection, to id: ProcessID, name: String, payload: Data, _ sql: SQL,
        logger: Logger, server: String
    ) async throws -> SentSignal {
        let (record, now) = try await Transactions.lockProcess(connection, id, sql, logger: logger, server: server)
        let delivery = try record.signalDelivery(now: now)
        let sentAt = Columns.milliseconds(now)
        var insert = PostgresBindings()
        insert.append(id.rawValue)
        insert.append(name)
        try insert.append(payload)
        insert.append(sentAt)
        guard let inserted = try await Transactions.rows(connection, sql.insertSignal, insert, logger: logger).first else {
            throw ProcessStoreError(.unavailable, processID: id, "the signal '\(name)' to process '\(id)' was not stored at \(server)")
        }
        let sequence = try RowReader(inserted, processID: id, server: server).integer(0, "signals.sequence")
        switch delivery {
        case .held: break
        // The wake command's own transaction body: it saves the due time and notifies (the row is already locked).
        case .wake:
            _ = try await Transactions.execute(
                connection, .wake, on: id, by: nil, writesHistory: false, sql, logger: logger, server: server
            )
        case .due: try await Transactions.notify(connection, sql, logger: logger)
        }
        let signal = ProcessSignal(
            processID: id, sequence: sequence, name: name, payload: payload, sentAt: Columns.date(milliseconds: sentAt)
        )
        return SentSignal(signal: signal, wakeWorkers: delivery != .held)
    }
}

extension PostgresProcessStore.SQL {
    /// Appends a signal ($1 process id, $2 name, $3 payload, $4 sent at) to the process's inbox with the next
    /// sequence, which it returns. Run with the process's row locked, so that concurrent senders wait for each other.
    var insertSignal: String {
        """
        INSERT INTO \(schema).signals (process_id, sequence, name, payload, sent_at)
        SELECT $1, coalesce(max(sequence), 0) + 1, $2, $3, $4 FROM \(schema).signals WHERE process_id = $1
        RETURNING sequence
        """
    }

    /// The signals of the processes whose ids are bound as an array ($1), by process and sequence.
    var selectSignals: String {
        """
        SELECT process_id, sequence, name, payload, sent_at FROM \(schema).signals
        WHERE process_id = ANY($1::text[]) ORDER BY process_id, sequence
        """
    }
}

extension RowReader {
    /// Reads a row selected by ``PostgresProcessStore/SQL/selectSignals``.
    static func signal(_ row: PostgresRow, server: String) throws -> ProcessSignal {
        try RowReader(row, server: server).signal()
    }
}
