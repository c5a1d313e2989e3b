import Foundation
import GRDB
import GRDBSQLite
import StepFlow
import StepFlowRuntime

/// How values are written to and read from the store's columns: the encodings the stores share.
typealias Columns = StoredColumns

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
