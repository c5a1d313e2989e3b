import Foundation
import PostgresNIO
import StepFlow
import StepFlowRuntime

/// How values are written to the store's columns.
enum Columns {
    /// A date as integer milliseconds since 1970 (rounded to the nearest millisecond, saturating).
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return value > 0 ? .max : .min }
        return Int64(exactly: value) ?? (value > 0 ? .max : .min)
    }

    /// The date of integer milliseconds since 1970.
    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// A duration as integer nanoseconds (saturating past ±292 years).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow || overflow2 { return seconds < 0 ? .min : .max }
        return total
    }

    /// A state as its JSON text: `FlowState`'s `Codable` encoding, a JSON array of event strings.
    static func json(_ state: FlowState) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        // Encoding an array of strings cannot fail.
        let data = (try? encoder.encode(state)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reads the cells of one row of `processes` or `history`, naming the column of any defect.
///
/// Reading never traps: a NULL where a value belongs, an unknown status or a state that is not a JSON array of
/// strings becomes a ``ProcessStoreError`` `.corruptRecord` naming the process and the column.
struct RowReader {
    let row: PostgresRandomAccessRow
    let processID: ProcessID
    let server: String

    init(_ row: PostgresRow, processID: ProcessID? = nil, server: String) {
        self.row = row.makeRandomAccess()
        self.processID = processID ?? Self.processID(of: self.row)
        self.server = server
    }

    /// The id in column 0, readable or not.
    static func processID(of row: PostgresRandomAccessRow) -> ProcessID {
        guard row.count > 0 else { return ProcessID("?") }
        if let id = try? row[0].decode(String.self) { return ProcessID(id) }
        return ProcessID("?")
    }

    /// The error for a defect in `column`.
    func corrupt(_ column: String, _ problem: String) -> ProcessStoreError {
        ProcessStoreError(
            .corruptRecord, processID: processID,
            "process '\(processID)' has a corrupt '\(column)' column in the PostgreSQL store at \(server): \(problem). "
                + "The row was left as it is: repair the column or delete the process."
        )
    }

    private func decode<T: PostgresDecodable>(_ type: T.Type, _ index: Int, _ column: String) throws -> T? {
        let cell = row[index]
        guard cell.bytes != nil else { return nil }
        do {
            return try cell.decode(T.self)
        } catch {
            throw corrupt(column, "expected \(T.self), found a value of type \(cell.dataType)")
        }
    }

    private func required<T>(_ value: T?, _ column: String) throws -> T {
        guard let value else { throw corrupt(column, "found NULL") }
        return value
    }

    func text(_ index: Int, _ column: String) throws -> String {
        try required(decode(String.self, index, column), column)
    }

    func optionalText(_ index: Int, _ column: String) throws -> String? {
        try decode(String.self, index, column)
    }

    func integer(_ index: Int, _ column: String) throws -> Int64 {
        try required(decode(Int64.self, index, column), column)
    }

    func optionalInteger(_ index: Int, _ column: String) throws -> Int64? {
        try decode(Int64.self, index, column)
    }

    func count(_ index: Int, _ column: String) throws -> Int {
        let value = try integer(index, column)
        guard let count = Int(exactly: value), count >= 0 else { throw corrupt(column, "\(value) is out of range") }
        return count
    }

    func bytes(_ index: Int, _ column: String) throws -> Data {
        try required(decode(Data.self, index, column), column)
    }

    func date(_ index: Int, _ column: String) throws -> Date {
        Columns.date(milliseconds: try integer(index, column))
    }

    func optionalDate(_ index: Int, _ column: String) throws -> Date? {
        try optionalInteger(index, column).map(Columns.date(milliseconds:))
    }

    func state(_ index: Int, _ column: String) throws -> FlowState {
        let json = try text(index, column)
        do {
            return try JSONDecoder().decode(FlowState.self, from: Data(json.utf8))
        } catch {
            throw corrupt(column, "expected a JSON array of strings (a FlowState), found '\(json.prefix(80))\(json.count > 80 ? "…" : "")'")
        }
    }

    func status(_ index: Int, _ column: String) throws -> ProcessStatus {
        let name = try text(index, column)
        guard let status = ProcessStatus(rawValue: name) else {
            let known = ProcessStatus.allCases.map(\.rawValue).joined(separator: ", ")
            throw corrupt(column, "unknown status '\(name)' (expected one of \(known))")
        }
        return status
    }

    func outcome(_ index: Int, _ column: String) throws -> HistoryEntry.Outcome {
        let name = try text(index, column)
        guard let outcome = HistoryEntry.Outcome(rawValue: name) else {
            let known = HistoryEntry.Outcome.allCases.map(\.rawValue).joined(separator: ", ")
            throw corrupt(column, "unknown outcome '\(name)' (expected one of \(known))")
        }
        return outcome
    }
}

extension RowReader {
    /// Reads a row selected with ``PostgresProcessStore/SQL/recordColumns``.
    static func record(_ row: PostgresRow, server: String) throws -> ProcessRecord {
        try RowReader(row, server: server).record()
    }

    /// The record in columns 0 to 14 (``PostgresProcessStore/SQL/recordColumns``).
    func record() throws -> ProcessRecord {
        let leaseOwner = try optionalText(12, "lease_owner")
        let leaseExpiry = try optionalDate(13, "lease_expires_at")
        let lease: ProcessRecord.Lease?
        switch (leaseOwner, leaseExpiry) {
        case let (owner?, expiry?): lease = .init(owner: owner, expiresAt: expiry)
        case (nil, nil): lease = nil
        case (nil, _?): throw corrupt("lease_owner", "NULL while lease_expires_at is set")
        case (_?, nil): throw corrupt("lease_expires_at", "NULL while lease_owner is set")
        }
        return ProcessRecord(
            id: ProcessID(try text(0, "id")),
            flowName: try text(1, "flow_name"),
            state: try state(2, "state"),
            input: try bytes(3, "input"),
            data: try bytes(4, "data"),
            status: try status(5, "status"),
            dueAt: try optionalDate(6, "due_at"),
            stepCount: try count(7, "step_count"),
            attempt: try count(8, "attempt"),
            lastError: try optionalText(9, "last_error"),
            createdAt: try date(10, "created_at"),
            updatedAt: try date(11, "updated_at"),
            lease: lease,
            leaseToken: try integer(14, "lease_token")
        )
    }

    /// A claimed row: its record, or the defect that prevents reading it.
    func claimed() -> ClaimedProcess {
        let leaseToken = (try? integer(14, "lease_token")) ?? 0
        let record: Result<ProcessRecord, ProcessStoreError>
        do {
            record = .success(try self.record())
        } catch let error as ProcessStoreError {
            record = .failure(error)
        } catch {
            record = .failure(corrupt("?", "\(error)"))
        }
        return ClaimedProcess(id: processID, leaseToken: leaseToken, record: record)
    }

    /// Reads a row selected by ``PostgresProcessStore/SQL/selectHistory``.
    static func historyEntry(_ row: PostgresRow, of id: ProcessID, server: String) throws -> HistoryEntry {
        let reader = RowReader(row, processID: id, server: server)
        return HistoryEntry(
            sequence: try reader.count(0, "history.sequence"),
            startedAt: try reader.date(1, "history.started_at"),
            stepPath: try reader.optionalText(2, "history.step_path"),
            before: try reader.state(3, "history.state_before"),
            after: try reader.state(4, "history.state_after"),
            duration: .nanoseconds(try reader.integer(5, "history.duration_ns")),
            outcome: try reader.outcome(6, "history.outcome"),
            error: try reader.optionalText(7, "history.error"),
            worker: try reader.text(8, "history.worker"),
            leaseToken: try reader.integer(9, "history.lease_token")
        )
    }
}
