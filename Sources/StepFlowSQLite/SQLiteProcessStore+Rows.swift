import Foundation
import GRDB
import GRDBSQLite
import StepFlow
import StepFlowRuntime

/// How values are written to and read from the store's columns: the encodings the stores share.
typealias Columns = StoredColumns

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

/// Reads the cells of one row of `processes`, `history` or `signals` from the values the store's cursor read;
/// ``StoredProcessFields`` decodes them, naming the column of any defect.
struct RowReader: StoredProcessFields {
    let row: RowValues
    let processID: ProcessID
    let path: String

    /// The store, as the error of a defect names it.
    var storeDescription: String { "the SQLite store at '\(path)'" }

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

    /// The text in column `index`.
    func text(_ index: Int, _ column: String) throws -> String {
        guard case let .string(text) = value(index).storage else { throw corrupt(column, "expected text, \(found(value(index)))") }
        return text
    }

    /// The text in column `index`, or `nil` for NULL.
    func optionalText(_ index: Int, _ column: String) throws -> String? {
        if value(index).isNull { return nil }
        return try text(index, column)
    }

    /// The integer in column `index`.
    func integer(_ index: Int, _ column: String) throws -> Int64 {
        guard case let .int64(int) = value(index).storage else { throw corrupt(column, "expected an integer, \(found(value(index)))") }
        return int
    }

    /// The integer in column `index`, or `nil` for NULL.
    func optionalInteger(_ index: Int, _ column: String) throws -> Int64? {
        if value(index).isNull { return nil }
        return try integer(index, column)
    }

    /// The bytes in column `index`: a blob, or text as its UTF-8 bytes.
    func bytes(_ index: Int, _ column: String) throws -> Data {
        switch value(index).storage {
        case let .blob(data): return data
        case let .string(text): return Data(text.utf8)
        default: throw corrupt(column, "expected JSON bytes, \(found(value(index)))")
        }
    }
}

extension RowReader {
    /// The id of a row selected with ``SQLiteProcessStore/SQL/recordColumns``, readable or not.
    static func processID(of row: RowValues) -> ProcessID {
        let value = row[ProcessColumn.id.index]
        if case let .string(text) = value.storage { return ProcessID(text) }
        return ProcessID(value.description)
    }

    /// Reads a row selected with ``SQLiteProcessStore/SQL/recordColumns``.
    static func record(_ row: RowValues, path: String) throws -> ProcessRecord {
        try RowReader(row: row, processID: processID(of: row), path: path).record()
    }

    /// Reads a claimed row selected with ``SQLiteProcessStore/SQL/recordColumns``: its record, or its defect.
    static func claimed(_ row: RowValues, path: String) -> ClaimedProcess {
        RowReader(row: row, processID: processID(of: row), path: path).claimed()
    }

    /// Reads a row selected by ``SQLiteProcessStore/SQL/selectHistory``.
    static func historyEntry(_ row: RowValues, of id: ProcessID, path: String) throws -> HistoryEntry {
        try RowReader(row: row, processID: id, path: path).historyEntry()
    }

    /// Reads a row selected by ``SQLiteProcessStore/SQL/selectSignals(count:)``.
    static func signal(_ row: RowValues, path: String) throws -> ProcessSignal {
        try RowReader(row: row, processID: processID(of: row), path: path).signal()
    }
}
