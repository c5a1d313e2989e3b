import Foundation

/// A value an SQL store binds for a query's condition.
package enum QueryValue: Sendable, Hashable {
    /// Text.
    case text(String)
    /// An integer (times are milliseconds since 1970).
    case integer(Int64)
}

extension ProcessQuery {
    /// The statement that lists the query's processes, as both SQL stores spell it, with the values to bind in order
    /// (the limit last); `placeholder(n)` writes the n-th parameter (1-based). It selects ``ProcessColumn/list`` of
    /// `processesTable` (as `p`); `labelsTable` is the labels table's name. `nil` when the query can match nothing (an
    /// empty set of statuses).
    ///
    /// A query with labels is driven by its first label (by key): the labels table's primary key `(key, value,
    /// process_id)` holds that label's processes in id order, so the first page is read from it and joined to the
    /// processes, without reading every process the label matches; the other labels are checked per process.
    package func sqlSelect(
        processesTable: String = "processes", labelsTable: String = "process_labels", placeholder: (Int) -> String
    ) -> (sql: String, values: [QueryValue])? {
        var conditions: [String] = []
        var values: [QueryValue] = []
        func bind(_ value: QueryValue) -> String {
            values.append(value)
            return placeholder(values.count)
        }
        let sortedLabels = labels.sorted { $0.key < $1.key }
        var from = "\(processesTable) AS p"
        var order = "p.id"
        if let (key, value) = sortedLabels.first {
            from = "\(labelsTable) AS l JOIN \(processesTable) AS p ON p.id = l.process_id"
            order = "l.process_id"
            conditions.append("l.key = \(bind(.text(key)))")
            conditions.append("l.value = \(bind(.text(value)))")
        }
        if let flowName { conditions.append("p.flow_name = \(bind(.text(flowName)))") }
        if let statuses {
            if statuses.isEmpty { return nil }
            let names = statuses.map(\.rawValue).sorted().map { bind(.text($0)) }
            conditions.append("p.status IN (\(names.joined(separator: ", ")))")
        }
        if let after { conditions.append("\(order) > \(bind(.text(after.rawValue)))") }
        if let (lower, upper) = idRange {
            conditions.append("\(order) >= \(bind(.text(lower)))")
            if let upper { conditions.append("\(order) < \(bind(.text(upper)))") }
        }
        for (key, value) in sortedLabels.dropFirst() {
            conditions.append(
                "p.id IN (SELECT process_id FROM \(labelsTable) WHERE key = \(bind(.text(key))) AND value = \(bind(.text(value))))"
            )
        }
        if let step { conditions.append("p.current_step = \(bind(.text(step)))") }
        for (date, column, comparison) in [
            (createdAfter, "p.created_at", ">="), (createdBefore, "p.created_at", "<"),
            (updatedAfter, "p.updated_at", ">="), (updatedBefore, "p.updated_at", "<"),
        ] {
            if let date { conditions.append("\(column) \(comparison) \(bind(.integer(StoredColumns.milliseconds(date))))") }
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let limit = bind(.integer(Int64(max(self.limit, 0))))
        return ("SELECT \(ProcessColumn.list(of: "p")) FROM \(from)\(filter) ORDER BY \(order) LIMIT \(limit)", values)
    }
}
