/// What a request may do: read only, or everything.
enum Access: Sendable, Hashable {
    /// May read and run commands (the operator token, or a server without tokens).
    case operate
    /// May read; commands answer 403.
    case readOnly

    /// The access `token` grants under `configuration`, or `nil` when it is no valid token. Both tokens are
    /// always compared (in constant time), so the time taken does not tell which one nearly matched.
    static func granted(by token: String, configuration: StepFlowServer.Configuration) -> Access? {
        let isOperator = configuration.operatorToken.map { ConstantTimeComparison.equal(token, $0) } ?? false
        let isReader = configuration.readOnlyToken.map { ConstantTimeComparison.equal(token, $0) } ?? false
        if isOperator { return .operate }
        if isReader { return .readOnly }
        return nil
    }
}
