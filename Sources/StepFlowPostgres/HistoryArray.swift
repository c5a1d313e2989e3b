/// The arrays of a commit's history entries (``PostgresProcessStore/SQL/commitUpdates``), bound after the updates'.
enum HistoryArray: ArrayParameters {
    case processID, sequence, startedAt, stepPath, stateBefore, stateAfter, duration, outcome, error, worker, leaseToken, reason

    var column: String {
        switch self {
        case .processID: "process_id"
        case .sequence: "sequence"
        case .startedAt: "started_at"
        case .stepPath: "step_path"
        case .stateBefore: "state_before"
        case .stateAfter: "state_after"
        case .duration: "duration_ns"
        case .outcome: "outcome"
        case .error: "error"
        case .worker: "worker"
        case .leaseToken: "lease_token"
        case .reason: "reason"
        }
    }

    var elementType: String {
        switch self {
        case .processID, .stepPath, .stateBefore, .stateAfter, .outcome, .error, .worker, .reason: "text"
        case .sequence, .startedAt, .duration, .leaseToken: "bigint"
        }
    }
}
