/// The arrays of a commit's updates (``PostgresProcessStore/SQL/commitUpdates``), bound first.
enum UpdateArray: ArrayParameters {
    case id, token, state, data, status, dueAt, stepCount, attempt, lastError

    var column: String {
        switch self {
        case .id: "id"
        case .token: "token"
        case .state: "state"
        case .data: "data"
        case .status: "status"
        case .dueAt: "due_at"
        case .stepCount: "step_count"
        case .attempt: "attempt"
        case .lastError: "last_error"
        }
    }

    var elementType: String {
        switch self {
        case .id, .state, .status, .lastError: "text"
        case .data: "bytea"
        case .token, .dueAt, .stepCount, .attempt: "bigint"
        }
    }
}
