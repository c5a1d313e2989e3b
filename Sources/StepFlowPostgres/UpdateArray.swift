import StepFlowRuntime

/// The arrays of a commit's updates (``PostgresProcessStore/SQL/commitUpdates``), bound first.
enum UpdateArray: ArrayParameters {
    case id, token, state, currentStep, data, status, dueAt, stepCount, attempt, lastError

    /// The unnested column's name: the `processes` column it updates (``ProcessColumn``, or `current_step`, the
    /// step of the new state: ``ProcessPosition/step(of:flowName:)``), or `token` for the lease token the update must
    /// match.
    var column: String {
        switch self {
        case .id: ProcessColumn.id.name
        case .token: "token"
        case .state: ProcessColumn.state.name
        case .currentStep: "current_step"
        case .data: ProcessColumn.data.name
        case .status: ProcessColumn.status.name
        case .dueAt: ProcessColumn.dueAt.name
        case .stepCount: ProcessColumn.stepCount.name
        case .attempt: ProcessColumn.attempt.name
        case .lastError: ProcessColumn.lastError.name
        }
    }

    var elementType: String {
        switch self {
        case .id, .state, .currentStep, .status, .lastError: "text"
        case .data: "bytea"
        case .token, .dueAt, .stepCount, .attempt: "bigint"
        }
    }
}
