/// The columns of a stored process row, in the order the stores select them: declared once, so that the SQL text
/// (``list``) and the reader's indices (``index``) cannot disagree.
///
/// Both stores select ``list`` wherever they read a record, and ``StoredProcessFields/record()`` reads each column at
/// its ``index``; a column added here is selected and read in the same place.
package enum ProcessColumn: Int, CaseIterable, Sendable {
    case id, flowName, state, input, data, status, dueAt, stepCount, attempt, lastError
    case createdAt, updatedAt, leaseOwner, leaseExpiresAt, leaseToken, labels

    /// The column's name in both stores' `processes` table.
    package var name: String {
        switch self {
        case .id: "id"
        case .flowName: "flow_name"
        case .state: "state"
        case .input: "input"
        case .data: "data"
        case .status: "status"
        case .dueAt: "due_at"
        case .stepCount: "step_count"
        case .attempt: "attempt"
        case .lastError: "last_error"
        case .createdAt: "created_at"
        case .updatedAt: "updated_at"
        case .leaseOwner: "lease_owner"
        case .leaseExpiresAt: "lease_expires_at"
        case .leaseToken: "lease_token"
        case .labels: "labels"
        }
    }

    /// The column's position in a selected row.
    package var index: Int { rawValue }

    /// Every column, in order, separated by commas: what a store selects to read a record.
    package static let list = allCases.map(\.name).joined(separator: ", ")

    /// Every column qualified by `table` (`p.id, p.flow_name, …`).
    package static func list(of table: String) -> String {
        allCases.map { "\(table).\($0.name)" }.joined(separator: ", ")
    }

    /// One SQL expression per column, in order, separated by commas: the values of an `INSERT` or a `SELECT` that
    /// fills every column (the switch in `value` must name each column, so none is forgotten or out of place).
    package static func values(_ value: (ProcessColumn) -> String) -> String {
        allCases.map(value).joined(separator: ", ")
    }

    /// How many columns a record row has; a store's extra selected values come after them.
    package static let count = allCases.count
}
