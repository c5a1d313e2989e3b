import Foundation

/// A value an SQL store binds for a query's condition.
package enum QueryValue: Sendable, Hashable {
    /// Text.
    case text(String)
    /// An integer (times are milliseconds since 1970).
    case integer(Int64)
}

extension ProcessQuery {
    /// The conditions of the query on the `processes` table (and `process_labels`), as both SQL stores spell them,
    /// with the values to bind in order; `placeholder(n)` writes the n-th parameter (1-based, counted from
    /// `firstParameter`); `labelsTable` is the labels table's qualified name. Paging (`after`) is included; `limit` is not. `nil` when the query can match nothing
    /// (an empty set of statuses).
    package func sqlConditions(
        labelsTable: String = "process_labels", firstParameter: Int = 1, placeholder: (Int) -> String
    ) -> (conditions: [String], values: [QueryValue])? {
        var conditions: [String] = []
        var values: [QueryValue] = []
        func bind(_ value: QueryValue) -> String {
            values.append(value)
            return placeholder(firstParameter + values.count - 1)
        }
        if let flowName { conditions.append("flow_name = \(bind(.text(flowName)))") }
        if let statuses {
            if statuses.isEmpty { return nil }
            let names = statuses.map(\.rawValue).sorted().map { bind(.text($0)) }
            conditions.append("status IN (\(names.joined(separator: ", ")))")
        }
        if let after { conditions.append("id > \(bind(.text(after.rawValue)))") }
        if let (lower, upper) = idRange {
            conditions.append("id >= \(bind(.text(lower)))")
            if let upper { conditions.append("id < \(bind(.text(upper)))") }
        }
        // Each label is looked up in process_labels' primary key (key, value, process_id).
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            conditions.append(
                "id IN (SELECT process_id FROM \(labelsTable) WHERE key = \(bind(.text(key))) AND value = \(bind(.text(value))))"
            )
        }
        if let step { conditions.append("current_step = \(bind(.text(step)))") }
        for (date, column, comparison) in [
            (createdAfter, "created_at", ">="), (createdBefore, "created_at", "<"),
            (updatedAfter, "updated_at", ">="), (updatedBefore, "updated_at", "<"),
        ] {
            if let date { conditions.append("\(column) \(comparison) \(bind(.integer(StoredColumns.milliseconds(date))))") }
        }
        return (conditions, values)
    }
}
