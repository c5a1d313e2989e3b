import Foundation
import StepFlow
@testable import StepFlowRuntime
import Testing

/// One test per row of the table in `StepBookkeeping`: plain values in, plain values out.
@Suite struct StepBookkeepingTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)

    func bookkeeping(_ step: StepBookkeeping.Step, attempt: Int = 2, lastError: String? = "earlier") -> StepBookkeeping {
        StepBookkeeping(step, attempt: attempt, lastError: lastError, now: now)
    }

    @Test func completedEndsTheProcessAndResetsTheAttempt() {
        let result = bookkeeping(.init(outcome: .advanced, ending: .completed, stepName: "f/last"))
        #expect(result == StepBookkeeping(next: .completed, outcome: .completed, attempt: 0, lastError: "earlier", error: nil))
    }

    @Test func lastCompensationAfterAFailureEndsFailedWithTheSavedCause() {
        let result = bookkeeping(.init(outcome: .compensated, ending: .failed, stepName: "f/a"), lastError: "step 'f/b' failed: boom")
        #expect(result.next == .failed("step 'f/b' failed: boom (compensated)"))
        #expect(result.outcome == .compensated)
        #expect(result.attempt == 0)
    }

    @Test func lastCompensationAfterACancellationEndsCancelledWithItsReason() {
        let result = bookkeeping(.init(outcome: .compensated, ending: .cancelled, stepName: "f/a"), lastError: "by alice")
        #expect(result == StepBookkeeping(next: .cancelled("by alice"), outcome: .compensated, attempt: 0, lastError: "by alice", error: nil))
    }

    @Test func lastCompensationWithoutASavedCauseSaysFailed() {
        #expect(bookkeeping(.init(outcome: .compensated, ending: .failed, stepName: "f/a"), lastError: nil).next == .failed("failed (compensated)"))
    }

    @Test func waitingCountsAnAttemptClearsTheErrorAndPollsAfterThePollInterval() {
        let result = bookkeeping(.init(outcome: .waiting, pollInterval: .seconds(7), stepName: "f/w"))
        #expect(result == StepBookkeeping(next: .dueAt(now + 7), outcome: .waiting, attempt: 3, lastError: nil, error: nil))
    }

    @Test func waitingPrefersTheRequestedDelayToThePollInterval() {
        let result = bookkeeping(.init(outcome: .waiting, requestedDelay: .seconds(2), pollInterval: .seconds(7), stepName: "f/w"))
        #expect(result.next == .dueAt(now + 2))
    }

    @Test func waitingPrefersTheFlowsTimeToAnyDelay() {
        let flowTime = FlowTime(millisecondsSince1970: Int64((now.timeIntervalSince1970 + 30) * 1000))
        let result = bookkeeping(.init(outcome: .waiting, notBefore: flowTime, requestedDelay: .seconds(2), stepName: "f/w"))
        #expect(result.next == .dueAt(now + 30))
    }

    @Test func waitingOnlyForASignalIsCheckedAgainAfterTheRecheckInterval() {
        let result = bookkeeping(.init(outcome: .waiting, notBefore: .distantFuture, signalRecheckInterval: .seconds(60), stepName: "f/s"))
        #expect(result.next == .dueAt(now + 60))
    }

    @Test func waitingWhileCompensatingKeepsTheCause() {
        let result = bookkeeping(.init(outcome: .waiting, wasCompensating: true, stepName: "f/w"), lastError: "cause")
        #expect(result.lastError == "cause")
        #expect(result.attempt == 3)
    }

    @Test func retriedCountsAnAttemptAndSavesTheErrorDueAtOnce() {
        let result = bookkeeping(.init(outcome: .retried, error: "timeout", stepName: "f/r"))
        #expect(result == StepBookkeeping(next: .dueAt(now), outcome: .retried, attempt: 3, lastError: "timeout", error: "timeout"))
    }

    @Test func retriedFollowsThePolicysTimeOrTheRequestedDelay() {
        let flowTime = FlowTime(millisecondsSince1970: Int64((now.timeIntervalSince1970 + 4) * 1000))
        #expect(bookkeeping(.init(outcome: .retried, notBefore: flowTime, error: "e", stepName: "f/r")).next == .dueAt(now + 4))
        #expect(bookkeeping(.init(outcome: .retried, error: "e", requestedDelay: .seconds(3), stepName: "f/r")).next == .dueAt(now + 3))
    }

    @Test func retriedCompensationKeepsTheCauseAsLastError() {
        let result = bookkeeping(.init(outcome: .retried, error: "undo failed", wasCompensating: true, stepName: "f/r"), lastError: "cause")
        #expect(result.lastError == "cause")
        #expect(result.error == "undo failed")
    }

    @Test func compensatingSavesTheFailureAsCauseAndIsDueAtOnce() {
        let result = bookkeeping(.init(outcome: .compensating, error: "boom", stepName: "f/b"))
        let reason = "step 'f/b' failed: boom"
        #expect(result == StepBookkeeping(next: .dueAt(now), outcome: .compensating, attempt: 0, lastError: reason, error: reason))
    }

    @Test func compensatingWithoutAnErrorSaysUnknown() {
        #expect(bookkeeping(.init(outcome: .compensating, stepName: "f")).lastError == "step 'f' failed: unknown error")
    }

    @Test func compensatedWithMoreToUndoKeepsTheCauseDueAtOnce() {
        let result = bookkeeping(.init(outcome: .compensated, stepName: "f/a"), lastError: "cause")
        #expect(result == StepBookkeeping(next: .dueAt(now), outcome: .compensated, attempt: 0, lastError: "cause", error: nil))
    }

    @Test func advancedResetsTheAttemptClearsTheErrorAndIsDueAtOnce() {
        let result = bookkeeping(.init(outcome: .advanced, stepName: "f/a"))
        #expect(result == StepBookkeeping(next: .dueAt(now), outcome: .advanced, attempt: 0, lastError: nil, error: nil))
    }

    @Test func advancedFollowsTheFlowsTimeOrTheRequestedDelay() {
        let flowTime = FlowTime(millisecondsSince1970: Int64((now.timeIntervalSince1970 + 9) * 1000))
        #expect(bookkeeping(.init(outcome: .advanced, notBefore: flowTime, stepName: "f/a")).next == .dueAt(now + 9))
        #expect(bookkeeping(.init(outcome: .advanced, requestedDelay: .seconds(5), stepName: "f/a")).next == .dueAt(now + 5))
    }

    @Test func noStepCountsAsAdvanced() {
        let result = bookkeeping(.init(outcome: .noStep, stepName: "f"))
        #expect(result == StepBookkeeping(next: .dueAt(now), outcome: .advanced, attempt: 0, lastError: nil, error: nil))
    }
}
