import Foundation
import PostgresNIO
import StepFlow
import StepFlowRuntime

/// How values are written to and read from the store's columns: the encodings the stores share (a state's JSON is
/// written as `JSONEncoder` writes it with `.withoutEscapingSlashes`, without the encoder's cost).
typealias Columns = StoredColumns

/// Reads the cells of one row of `processes`, `history` or `signals` from PostgresNIO's cells;
/// ``StoredProcessFields`` decodes them, naming the column of any defect.
struct RowReader: StoredProcessFields {
    let row: PostgresRandomAccessRow
    let processID: ProcessID
    let server: String

    init(_ row: PostgresRow, processID: ProcessID? = nil, server: String) {
        self.row = row.makeRandomAccess()
        self.processID = processID ?? Self.processID(of: self.row)
        self.server = server
    }

    /// The id (in ``ProcessColumn/id``'s column, or a signal's first), readable or not.
    static func processID(of row: PostgresRandomAccessRow) -> ProcessID {
        let index = ProcessColumn.id.index
        guard row.count > index else { return ProcessID("?") }
        if let id = try? row[index].decode(String.self) { return ProcessID(id) }
        return ProcessID("?")
    }

    /// The store, as the error of a defect names it.
    var storeDescription: String { "the PostgreSQL store at \(server)" }

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

    /// The text in column `index`.
    func text(_ index: Int, _ column: String) throws -> String {
        try required(decode(String.self, index, column), column)
    }

    /// The text in column `index`, or `nil` for NULL.
    func optionalText(_ index: Int, _ column: String) throws -> String? {
        try decode(String.self, index, column)
    }

    /// The integer in column `index`.
    func integer(_ index: Int, _ column: String) throws -> Int64 {
        try required(decode(Int64.self, index, column), column)
    }

    /// The integer in column `index`, or `nil` for NULL.
    func optionalInteger(_ index: Int, _ column: String) throws -> Int64? {
        try decode(Int64.self, index, column)
    }

    /// The bytes (`bytea`) in column `index`.
    func bytes(_ index: Int, _ column: String) throws -> Data {
        try required(decode(Data.self, index, column), column)
    }
}

extension RowReader {
    /// Reads a row selected with ``PostgresProcessStore/SQL/recordColumns``.
    static func record(_ row: PostgresRow, server: String) throws -> ProcessRecord {
        try RowReader(row, server: server).record()
    }

    /// Reads a row selected by ``PostgresProcessStore/SQL/selectHistory``.
    static func historyEntry(_ row: PostgresRow, of id: ProcessID, server: String) throws -> HistoryEntry {
        try RowReader(row, processID: id, server: server).historyEntry()
    }
}
