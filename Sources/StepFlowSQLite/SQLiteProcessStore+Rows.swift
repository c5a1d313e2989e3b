import Foundation
import GRDB
import GRDBSQLite
import StepFlow
import StepFlowRuntime

/// How values are written to and read from the store's columns.
///
/// Reading never traps: a value of the wrong type, an unknown status or a state that is not a JSON array
/// of strings becomes a ``ProcessStoreError`` `.corruptRecord` naming the process and the column.
enum Columns {
    /// A date as integer milliseconds since 1970 (rounded to the nearest millisecond).
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

    /// A state as its JSON text: exactly `FlowState`'s `Codable` encoding, a JSON array of event strings,
    /// written as `JSONEncoder` writes it with `.withoutEscapingSlashes` (without the encoder's cost, which
    /// dominated the time of a commit).
    static func json(_ state: FlowState) -> String {
        if let plain = plainJSON(state) { return plain }
        var json = "["
        json.reserveCapacity(2 + state.events.reduce(0) { $0 + $1.utf8.count + 3 })
        for (index, event) in state.events.enumerated() {
            if index > 0 { json += "," }
            if event.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                var bytes: [UInt8] = []
                appendJSONString(event, to: &bytes)
                json += String(decoding: bytes, as: UTF8.self)
            } else {
                json += "\""
                json += event
                json += "\""
            }
        }
        json += "]"
        return json
    }

    /// ``json(_:)`` of a state none of whose events needs escaping, written in one go; `nil` otherwise.
    private static func plainJSON(_ state: FlowState) -> String? {
        var count = 2
        for event in state.events {
            count += event.utf8.count + 3
        }
        if !state.events.isEmpty { count -= 1 }
        var plain = true
        let json = String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index += 1
            }
            put(UInt8(ascii: "["))
            for (position, event) in state.events.enumerated() {
                if position > 0 { put(UInt8(ascii: ",")) }
                put(UInt8(ascii: "\""))
                for byte in event.utf8 {
                    if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        plain = false
                        return 0
                    }
                    put(byte)
                }
                put(UInt8(ascii: "\""))
            }
            put(UInt8(ascii: "]"))
            return index
        }
        return plain ? json : nil
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The state of JSON text as ``json(_:)`` writes it — `[`, strings without escapes or control characters
    /// separated by commas, `]` — read without `JSONDecoder` (whose cost dominated a claim); `nil` for any
    /// other text (whitespace, escapes, `null`, or not a state at all), which the caller reads with `JSONDecoder`.
    static func state(_ json: String) -> FlowState? {
        var json = json
        return json.withUTF8 { bytes -> FlowState? in
            let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[bytes.count - 1] == UInt8(ascii: "]") else {
                return nil
            }
            let end = bytes.count - 1
            if end == 1 { return FlowState() }
            var events: [String] = []
            var index = 1
            while true {
                guard index < end, bytes[index] == quote else { return nil }
                index += 1
                let start = index
                while index < end, bytes[index] != quote {
                    if bytes[index] == backslash || bytes[index] < 0x20 { return nil }
                    index += 1
                }
                guard index < end else { return nil }
                events.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                index += 1
                if index == end { return FlowState(events: events) }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
    }

    /// Appends `string` as a JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    private static func appendJSONString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// SQLite copies the bytes of a value bound with this destructor before the bind call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A row of a result: its column values, from left to right.
typealias RowValues = [DatabaseValue]

extension DatabaseValue {
    /// A value to bind with ``GRDB/Statement/reset(binding:)``: text, or `NULL`.
    static func of(_ text: String?) -> DatabaseValue { text?.databaseValue ?? .null }
    /// An integer, or `NULL`.
    static func of(_ integer: Int64?) -> DatabaseValue { integer?.databaseValue ?? .null }
    /// An integer, or `NULL`.
    static func of(_ integer: Int?) -> DatabaseValue { integer.map { Int64($0).databaseValue } ?? .null }
    /// A blob, or `NULL`.
    static func of(_ blob: Data?) -> DatabaseValue { blob?.databaseValue ?? .null }
}

extension Statement {
    /// The rows of the statement's results, each as its column values, read straight from SQLite: GRDB's
    /// generic decoding of `Row` values cost more than the SQL of a claim.
    func fetchValues(arguments: StatementArguments) throws -> [RowValues] {
        try fetchValues(cursor: Row.fetchCursor(self, arguments: arguments))
    }

    /// The rows of the statement's results with the values bound by ``reset(binding:)`` and ``bind(_:from:)``.
    func fetchBoundValues() throws -> [RowValues] {
        try fetchValues(cursor: Row.fetchCursor(self))
    }

    private func fetchValues(cursor: RowCursor) throws -> [RowValues] {
        let columns = CInt(columnCount)
        var rows: [RowValues] = []
        while try cursor.next() != nil {
            var values: RowValues = []
            values.reserveCapacity(Int(columns))
            for index in 0..<columns {
                values.append(DatabaseValue(sqliteStatement: sqliteStatement, index: index))
            }
            rows.append(values)
        }
        return rows
    }

    /// Resets the statement and binds `values` to its first parameters, for ``execute()`` or
    /// ``fetchBoundValues()``. Each value is bound as it is: building `StatementArguments` from
    /// `(any DatabaseValueConvertible)?` values cost about as much as SQLite's own work for a step's save.
    func reset(binding values: [DatabaseValue]) throws {
        // Resets the statement, clears its bindings, and tells GRDB that they are set: `execute()` then runs
        // with the bindings made by `rebind(_:)`.
        setUncheckedArguments(StatementArguments())
        try rebind(values)
    }

    /// Binds `values` again after a first ``reset(binding:)`` of this statement in the same transaction, for the
    /// statement's next execution: it only resets the statement, where ``reset(binding:)`` also clears its
    /// bindings and GRDB's arguments (which cost as much as binding the values).
    func rebind(_ values: [DatabaseValue]) throws {
        // The code of the last execution, returned again by a reset, was handled when it ran.
        _ = sqlite3_reset(sqliteStatement)
        for (index, value) in zip(CInt(1)..., values) {
            // SQLite's C API directly: GRDB's binding of text goes through a copy to a C string first.
            let code: CInt
            switch value.storage {
            case .null:
                code = sqlite3_bind_null(sqliteStatement, index)
            case let .int64(integer):
                code = sqlite3_bind_int64(sqliteStatement, index, integer)
            case let .double(double):
                code = sqlite3_bind_double(sqliteStatement, index, double)
            case var .string(text):
                code = text.withUTF8 { bytes in
                    // A null pointer would bind NULL: an empty text is bound from a literal.
                    bytes.isEmpty
                        ? sqlite3_bind_text(sqliteStatement, index, "", 0, transient)
                        : sqlite3_bind_text(sqliteStatement, index, bytes.baseAddress, CInt(bytes.count), transient)
                }
            case let .blob(data):
                code = data.withUnsafeBytes { bytes in
                    // A null pointer would bind NULL: an empty blob is bound as a zero-length blob.
                    bytes.isEmpty
                        ? sqlite3_bind_zeroblob(sqliteStatement, index, 0)
                        : sqlite3_bind_blob(sqliteStatement, index, bytes.baseAddress, CInt(bytes.count), transient)
                }
            }
            try check(code, index)
        }
    }

    private func check(_ code: CInt, _ index: CInt) throws {
        guard ResultCode(rawValue: code) == .SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind parameter \(index)", sql: sql)
        }
    }

    /// The first row of the statement's results, as its column values.
    func fetchOneValues(arguments: StatementArguments) throws -> RowValues? {
        try fetchValues(arguments: arguments).first
    }
}

/// Reads the columns of one row of `processes` or `history`, naming the column of any defect.
struct RowReader {
    let row: RowValues
    let processID: ProcessID
    let path: String

    /// The error for a defect in `column`.
    func corrupt(_ column: String, _ problem: String) -> ProcessStoreError {
        ProcessStoreError(
            .corruptRecord, processID: processID,
            "process '\(processID)' has a corrupt '\(column)' column in the SQLite store at '\(path)': \(problem). "
                + "The row was left as it is: repair the column or delete the process."
        )
    }

    private func value(_ index: Int) -> DatabaseValue { row[index] }

    private func found(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "found NULL"
        case let .int64(int): return "found the integer \(int)"
        case let .double(double): return "found the real \(double)"
        case let .string(text): return "found the text '\(text.prefix(80))\(text.count > 80 ? "…" : "")'"
        case let .blob(data): return "found a blob of \(data.count) bytes"
        }
    }

    func text(_ index: Int, _ column: String) throws -> String {
        guard case let .string(text) = value(index).storage else { throw corrupt(column, "expected text, \(found(value(index)))") }
        return text
    }

    func optionalText(_ index: Int, _ column: String) throws -> String? {
        if value(index).isNull { return nil }
        return try text(index, column)
    }

    func integer(_ index: Int, _ column: String) throws -> Int64 {
        guard case let .int64(int) = value(index).storage else { throw corrupt(column, "expected an integer, \(found(value(index)))") }
        return int
    }

    func optionalInteger(_ index: Int, _ column: String) throws -> Int64? {
        if value(index).isNull { return nil }
        return try integer(index, column)
    }

    func count(_ index: Int, _ column: String) throws -> Int {
        let int = try integer(index, column)
        guard let count = Int(exactly: int) else { throw corrupt(column, "\(int) is out of range") }
        return count
    }

    func blob(_ index: Int, _ column: String) throws -> Data {
        switch value(index).storage {
        case let .blob(data): return data
        case let .string(text): return Data(text.utf8)
        default: throw corrupt(column, "expected JSON bytes, \(found(value(index)))")
        }
    }

    func date(_ index: Int, _ column: String) throws -> Date {
        Columns.date(milliseconds: try integer(index, column))
    }

    func optionalDate(_ index: Int, _ column: String) throws -> Date? {
        try optionalInteger(index, column).map(Columns.date(milliseconds:))
    }

    func state(_ index: Int, _ column: String) throws -> FlowState {
        let json = try text(index, column)
        if let state = Columns.state(json) { return state }
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
    /// The id of a row selected with ``SQLiteProcessStore/SQL/recordColumns`` (column 0), readable or not.
    static func processID(of row: RowValues) -> ProcessID {
        let value = row[0]
        if case let .string(text) = value.storage { return ProcessID(text) }
        return ProcessID(value.description)
    }

    /// Reads a row selected with ``SQLiteProcessStore/SQL/recordColumns``.
    static func record(_ row: RowValues, path: String) throws -> ProcessRecord {
        let reader = RowReader(row: row, processID: processID(of: row), path: path)
        let leaseOwner = try reader.optionalText(12, "lease_owner")
        let leaseExpiry = try reader.optionalDate(13, "lease_expires_at")
        let lease: ProcessRecord.Lease?
        switch (leaseOwner, leaseExpiry) {
        case let (owner?, expiry?): lease = .init(owner: owner, expiresAt: expiry)
        case (nil, nil): lease = nil
        case (nil, _?): throw reader.corrupt("lease_owner", "NULL while lease_expires_at is set")
        case (_?, nil): throw reader.corrupt("lease_expires_at", "NULL while lease_owner is set")
        }
        return ProcessRecord(
            id: ProcessID(try reader.text(0, "id")),
            flowName: try reader.text(1, "flow_name"),
            state: try reader.state(2, "state"),
            input: try reader.blob(3, "input"),
            data: try reader.blob(4, "data"),
            status: try reader.status(5, "status"),
            dueAt: try reader.optionalDate(6, "due_at"),
            stepCount: try reader.count(7, "step_count"),
            attempt: try reader.count(8, "attempt"),
            lastError: try reader.optionalText(9, "last_error"),
            createdAt: try reader.date(10, "created_at"),
            updatedAt: try reader.date(11, "updated_at"),
            lease: lease,
            leaseToken: try reader.integer(14, "lease_token")
        )
    }

    /// Reads a row selected by ``SQLiteProcessStore/SQL/selectHistory``.
    static func historyEntry(_ row: RowValues, of id: ProcessID, path: String) throws -> HistoryEntry {
        let reader = RowReader(row: row, processID: id, path: path)
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

extension RowReader {
    /// Reads a row selected by ``SQLiteProcessStore/SQL/selectSignals(count:)``.
    static func signal(_ row: RowValues, path: String) throws -> ProcessSignal {
        let reader = RowReader(row: row, processID: processID(of: row), path: path)
        return ProcessSignal(
            processID: ProcessID(try reader.text(0, "signals.process_id")),
            sequence: try reader.integer(1, "signals.sequence"),
            name: try reader.text(2, "signals.name"),
            payload: try reader.blob(3, "signals.payload"),
            sentAt: try reader.date(4, "signals.sent_at")
        )
    }
}
