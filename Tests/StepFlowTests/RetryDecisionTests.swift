@testable import StepFlow
import Testing

/// The pure decision of a `Retry` policy: from the policy, the attempts that failed so far, the time of the failure
/// and the jitter, the next attempt (its failed-attempt count and earliest start), or none.
@Suite struct RetryDecisionTests {
    typealias Mark = ExtendedState.RetryMark

    static func mark(_ failedAttempts: Int, _ milliseconds: Int64) -> Mark {
        Mark(failedAttempts: failedAttempts, notBefore: FlowTime(millisecondsSince1970: milliseconds))
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let policy: RetryPolicy
        let failedSoFar: Int
        let now: Int64
        let jitter: Double
        let expected: Mark?
        var testDescription: String { "\(policy) after \(failedSoFar) failed at \(now) jitter \(jitter) → \(String(describing: expected))" }
    }

    static let fixed = RetryPolicy.fixed(.seconds(5), maxAttempts: 3)
    static let exponential = RetryPolicy.exponential(initial: .milliseconds(100), multiplier: 2, max: .seconds(5), maxAttempts: 8)
    static let jittered = RetryPolicy.exponential(initial: .seconds(1), multiplier: 3, max: .seconds(60), maxAttempts: 5, jitter: true)

    static let rows: [Row] = [
        // A fixed delay: the first two failures are retried 5 s later; the third uses up the three attempts.
        Row(policy: fixed, failedSoFar: 0, now: 100_000, jitter: 0.5, expected: mark(1, 105_000)),
        Row(policy: fixed, failedSoFar: 1, now: 200_000, jitter: 0.5, expected: mark(2, 205_000)),
        Row(policy: fixed, failedSoFar: 2, now: 300_000, jitter: 0.5, expected: nil),
        Row(policy: fixed, failedSoFar: 9, now: 300_000, jitter: 0.5, expected: nil),
        // One attempt only: never retried.
        Row(policy: .fixed(.seconds(1), maxAttempts: 1), failedSoFar: 0, now: 0, jitter: 0, expected: nil),
        // Exponential: 100, 200, 400, … ms, capped at 5 s; the eighth failure is the last.
        Row(policy: exponential, failedSoFar: 0, now: 0, jitter: 0.9, expected: mark(1, 100)),
        Row(policy: exponential, failedSoFar: 1, now: 0, jitter: 0.9, expected: mark(2, 200)),
        Row(policy: exponential, failedSoFar: 2, now: 0, jitter: 0.9, expected: mark(3, 400)),
        Row(policy: exponential, failedSoFar: 5, now: 0, jitter: 0.9, expected: mark(6, 3_200)),
        Row(policy: exponential, failedSoFar: 6, now: 0, jitter: 0.9, expected: mark(7, 5_000)),
        Row(policy: exponential, failedSoFar: 7, now: 0, jitter: 0.9, expected: nil),
        // Jitter spreads a delay between half and all of it: 1 s, then 3 s, then 9 s.
        Row(policy: jittered, failedSoFar: 0, now: 1_000, jitter: 0, expected: mark(1, 1_500)),
        Row(policy: jittered, failedSoFar: 0, now: 1_000, jitter: 0.5, expected: mark(1, 1_750)),
        Row(policy: jittered, failedSoFar: 1, now: 1_000, jitter: 0.5, expected: mark(2, 3_250)),
        Row(policy: jittered, failedSoFar: 2, now: 1_000, jitter: 0.999, expected: mark(3, 9_995)),
        Row(policy: jittered, failedSoFar: 4, now: 1_000, jitter: 0.5, expected: nil),
        // A failure near the end of time saturates instead of overflowing.
        Row(policy: fixed, failedSoFar: 0, now: FlowTime.distantFuture.millisecondsSince1970, jitter: 0, expected: Mark(failedAttempts: 1, notBefore: .distantFuture)),
    ]

    @Test(arguments: rows)
    func policyDecidesTheNextAttempt(_ row: Row) {
        let next = row.policy.nextAttempt(
            failedSoFar: row.failedSoFar, now: FlowTime(millisecondsSince1970: row.now), jitterFraction: row.jitter
        )
        #expect(next == row.expected)
    }

    @Test func aScopeRetriesOnlyWithAPolicyAndOnlyTheErrorsItPicks() {
        let now = FlowTime(millisecondsSince1970: 0)
        let transientOnly = RetryScope<Void>(
            handler: nil, policy: Self.fixed, retryIf: { $0 is ScriptError }, restart: 2, parent: -1, item: 1
        )
        #expect(transientOnly.policyAttempt(after: ScriptError(step: "x"), failedSoFar: 0, now: now, jitterFraction: 0) == Self.mark(1, 5_000))
        #expect(transientOnly.policyAttempt(after: FatalError(), failedSoFar: 0, now: now, jitterFraction: 0) == nil)
        #expect(transientOnly.policyAttempt(after: ScriptError(step: "x"), failedSoFar: 2, now: now, jitterFraction: 0) == nil)

        let everyError = RetryScope<Void>(handler: nil, policy: Self.fixed, retryIf: nil, restart: 2, parent: -1, item: 1)
        #expect(everyError.policyAttempt(after: FatalError(), failedSoFar: 1, now: now, jitterFraction: 0) == Self.mark(2, 5_000))

        let withHandler = RetryScope<Void>(handler: { _, _ in true }, policy: nil, retryIf: nil, restart: 2, parent: -1, item: 1)
        #expect(withHandler.policyAttempt(after: FatalError(), failedSoFar: 0, now: now, jitterFraction: 0) == nil)
    }

    @Test func retryScopesWalkFromTheInnermostOut() throws {
        let flow = try StepFlow<Script>("f") {
            Retry("outer", policy: Self.fixed) {
                Do("a") { _ in }
                Retry("inner", shouldRetry: { _, _ in false }) {
                    Retry("innermost", policy: Self.exponential) { Do("b") { _ in } }
                }
            }
            Do("c") { _ in }
        }
        let table = flow.table
        let paths = { (event: String) in
            let id = try #require(table.index.id(of: event))
            return table.retryScopes(from: table.transitions[Int(id)].retry).map { table.itemPaths[Int($0.item)] }
        }
        #expect(try paths("start:f/outerRetry/innerRetry/innermostRetry/b") == [
            "f/outerRetry/innerRetry/innermostRetry", "f/outerRetry/innerRetry", "f/outerRetry",
        ])
        #expect(try paths("start:f/outerRetry/a") == ["f/outerRetry"])
        #expect(try paths("start:f/c").isEmpty)
        #expect(Array(table.retryScopes(from: -1)).isEmpty)
    }
}
