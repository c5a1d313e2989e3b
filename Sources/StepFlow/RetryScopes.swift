/// The `Retry` groups enclosing a step, innermost first: the one way to walk a flow's nested retry scopes.
///
/// ```swift
/// for retry in table.retryScopes(from: transition.retry) { … }  // innermost first
/// ```
struct RetryScopes<Context>: Sequence, IteratorProtocol {
    let retries: [RetryScope<Context>]
    /// The next scope to return, or `-1` when the walk is over.
    var scope: Int32

    /// The next enclosing scope, or `nil` past the outermost.
    mutating func next() -> RetryScope<Context>? {
        guard scope >= 0 else { return nil }
        let retry = retries[Int(scope)]
        scope = retry.parent
        return retry
    }
}
