// FAST PATH. Counts the running and waiting processes by flow, status and step in Swift, from one pass over the
// claims' index, instead of SQL's GROUP BY.
// Why: the index is in due order, so SQLite groups with a sort of every row: 30 ms for 50,000 unfinished processes,
// 22 ms of it the sort (sqlite3 shell, 1,000,000 stored; see Benchmarks/OPERATIONS_RESULTS.md). Here a row costs a
// hash of its three columns' bytes (hashed as one buffer, not byte by byte as an array's hash is), and no String
// unless its group is new.
// Contract: the same groups and counts as `GROUP BY flow_name, status, current_step` (a NULL step is its own group,
// distinct from an empty one; no two different triples share a key). Tested directly in
// Tests/StepFlowSQLiteTests/SQLiteStoreQueryTests.swift (`statisticsOfManyPositionsMatchGroupBy`).
import Foundation
import GRDB
import GRDBSQLite

/// The counts of a statement's rows by their first three columns (flow name, status, step), read with SQLite's C API.
struct PositionCounter {
    /// The groups' counts, by key: each column as a tag (0 for NULL, 1 for text), then for text its length
    /// (4 bytes) and its bytes, so that no two different triples have the same key.
    private var counts: [ByteKey: Int] = [:]
    /// The groups' columns as read from their first row (text, or nil for NULL), by key.
    private var columns: [ByteKey: [String?]] = [:]
    /// The current row's key, reused: the dictionary copies it only when it keeps a new group.
    private var key = ByteKey()

    /// Adds the row `statement` stands on.
    mutating func add(_ statement: SQLiteStatement) {
        key.bytes.removeAll(keepingCapacity: true)
        for column in CInt(0)..<3 {
            guard let text = sqlite3_column_text(statement, column) else {
                key.bytes.append(0)
                continue
            }
            // sqlite3_column_text before sqlite3_column_bytes: the length is then the text's, in UTF-8.
            let count = Int(sqlite3_column_bytes(statement, column))
            key.bytes.append(1)
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: count).littleEndian) { key.bytes.append(contentsOf: $0) }
            key.bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: count))
        }
        if let index = counts.index(forKey: key) {
            counts.values[index] += 1
        } else {
            counts[key] = 1
            columns[key] = (CInt(0)..<3).map { column in
                sqlite3_column_text(statement, column).map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
                }
            }
        }
    }

    /// Each group's columns (flow name, status, step; nil for NULL) and its count.
    var groups: [(columns: [String?], count: Int)] {
        counts.map { key, count in (columns[key] ?? [], count) }
    }
}

/// Bytes as a dictionary key, hashed as one buffer and compared with `memcmp`.
private struct ByteKey: Hashable {
    var bytes: [UInt8] = []

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (left: ByteKey, right: ByteKey) -> Bool {
        left.bytes.count == right.bytes.count && left.bytes.withUnsafeBytes { leftBytes in
            right.bytes.withUnsafeBytes { rightBytes in
                leftBytes.count == 0 || memcmp(leftBytes.baseAddress!, rightBytes.baseAddress!, leftBytes.count) == 0
            }
        }
    }
}
