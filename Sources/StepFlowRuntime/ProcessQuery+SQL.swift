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
    ///
    /// A query with a condition on `changingColumns`' columns is one query per group of statuses, each with all the
    /// conditions and its own page, read through its group's index (named, when the group says so and no label drives
    /// the query); the pages are merged by id. The query's statuses leave out the groups they do not name.
    package func sqlSelect(
        processesTable: String = "processes", labelsTable: String = "process_labels",
        changingColumns: ChangingColumnSearch? = nil, placeholder: (Int) -> String
    ) -> (sql: String, values: [QueryValue])? {
        if let statuses, statuses.isEmpty { return nil }
        var values: [QueryValue] = []
        func bind(_ value: QueryValue) -> String {
            values.append(value)
            return placeholder(values.count)
        }
        let sortedLabels = labels.sorted { $0.key < $1.key }
        // The page's size, bound wherever a statement cuts at it.
        let pageSize = QueryValue.integer(Int64(max(self.limit, 0)))
        var changing: [(column: ChangingColumnSearch.Column, name: String, comparison: String, value: QueryValue)] = []
        if let flowName { changing.append((.flow, "flow_name", "=", .text(flowName))) }
        if let step { changing.append((.step, "current_step", "=", .text(step))) }
        for (date, column, name, comparison) in [
            (createdAfter, ChangingColumnSearch.Column.created, "created_at", ">="),
            (createdBefore, .created, "created_at", "<"),
            (updatedAfter, .updated, "updated_at", ">="), (updatedBefore, .updated, "updated_at", "<"),
        ] {
            if let date { changing.append((column, name, comparison, .integer(StoredColumns.milliseconds(date)))) }
        }

        /// One SELECT of the page, binding its values as it writes them; `part` adds a group's condition and index.
        func select(_ part: ChangingColumnSearch.Part?) -> String {
            var conditions: [String] = []
            var from = "\(processesTable) AS p"
            var order = "p.id"
            var index: String?
            if let (key, value) = sortedLabels.first {
                from = "\(labelsTable) AS l JOIN \(processesTable) AS p ON p.id = l.process_id"
                order = "l.process_id"
                conditions.append("l.key = \(bind(.text(key)))")
                conditions.append("l.value = \(bind(.text(value)))")
            } else if let named = part?.index {
                index = named
                from += " INDEXED BY \(named)"
            }
            if let part { conditions.append(part.condition) }
            if let statuses {
                let names = statuses.map(\.rawValue).sorted().map { bind(.text($0)) }
                conditions.append("p.status IN (\(names.joined(separator: ", ")))")
            }
            if let after { conditions.append("\(order) > \(bind(.text(after.rawValue)))") }
            if let (lower, upper) = idRange {
                conditions.append("\(order) >= \(bind(.text(lower)))")
                if let upper { conditions.append("\(order) < \(bind(.text(upper)))") }
            }
            for (key, value) in sortedLabels.dropFirst() {
                let key = bind(.text(key))
                let value = bind(.text(value))
                conditions.append(
                    "p.id IN (SELECT process_id FROM \(labelsTable) WHERE key = \(key) AND value = \(value))"
                )
            }
            for condition in changing {
                let name = part?.columnNames[condition.column] ?? condition.name
                conditions.append("p.\(name) \(condition.comparison) \(bind(condition.value))")
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let limit = bind(pageSize)
            guard index != nil else {
                return "SELECT \(ProcessColumn.list(of: "p")) FROM \(from)\(filter) ORDER BY \(order) LIMIT \(limit)"
            }
            // Through a named index (SQLite), the page's rowids are chosen and sorted first, from the index alone
            // when it carries every column the conditions name, and only the page's rows are read.
            let page = "SELECT p.rowid FROM \(from)\(filter) ORDER BY p.id LIMIT \(limit)"
            let rows = bind(pageSize)
            return """
                SELECT \(ProcessColumn.list(of: "p")) FROM \(processesTable) AS p WHERE p.rowid IN (\(page)) \
                ORDER BY p.id LIMIT \(rows)
                """
        }

        guard let search = changingColumns, changing.contains(where: { search.columns.contains($0.column) }) else {
            return (select(nil), values)
        }
        let parts = search.parts.filter { part in statuses.map { !part.statuses.isDisjoint(with: $0) } ?? true }
        if parts.count == 1 { return (select(parts[0]), values) }
        let pages = parts.enumerated().map { "SELECT * FROM (\(select($1))) AS part\($0)" }
        let limit = bind(pageSize)
        return (pages.joined(separator: " UNION ALL ") + " ORDER BY id LIMIT \(limit)", values)
    }
}
