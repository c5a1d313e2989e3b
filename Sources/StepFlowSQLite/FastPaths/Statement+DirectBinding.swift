// FAST PATH. Binds and reads statement values through SQLite's C API (GRDBSQLite, which GRDB links) instead of
// GRDB's StatementArguments and Row decoding.
// Why: building StatementArguments from (any DatabaseValueConvertible)? values cost about as much as SQLite's own work
// for a step's save, GRDB copies text to a C string before binding it, and GRDB's generic Row decoding cost more
// than the SQL of a claim; see Benchmarks/SQLITE_RESULTS.md ("binds a save's values with SQLite's C API") and
// RUNTIME_RESULTS.md (`StoreBenchmark`, `RuntimeBenchmarks throughput`).
// Contract: every value comes back as it was bound (NULL, integers, doubles, text of any Unicode plane with embedded
// NULs, empty and large text and blobs). Tested directly in Tests/StepFlowSQLiteTests/SQLiteStoreBindingTests.swift.
import Foundation
import GRDB
import GRDBSQLite

/// SQLite copies the bytes of a value bound with this destructor before the bind call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

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
                values.append(Self.value(sqliteStatement, index))
            }
            rows.append(values)
        }
        return rows
    }

    /// The value of column `index`. Text is read with its length: GRDB reads it as a C string, which ends at the
    /// first NUL character and would cut a text that holds one.
    private static func value(_ statement: SQLiteStatement, _ index: CInt) -> DatabaseValue {
        guard sqlite3_column_type(statement, index) == SQLITE_TEXT else {
            return DatabaseValue(sqliteStatement: statement, index: index)
        }
        // sqlite3_column_text before sqlite3_column_bytes: the length is then the text's, in UTF-8.
        guard let text = sqlite3_column_text(statement, index) else { return "".databaseValue }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self).databaseValue
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
