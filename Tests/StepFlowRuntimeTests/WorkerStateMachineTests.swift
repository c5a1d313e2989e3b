import Foundation
@testable import StepFlowRuntime
import Testing

/// A claimed process or a step result, as the state machine sees it: a lease.
struct LeasedWork: WorkerLeased, Equatable {
    let lease: ProcessLeaseToken
    init(_ id: ProcessID, _ token: Int64 = 1) { lease = ProcessLeaseToken(id: id, token: token) }
}

typealias TestMachine = WorkerStateMachine<LeasedWork, LeasedWork>

/// The worker's decisions, one event and one action at a time, without a store or a clock.
@Suite struct WorkerStateMachineTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)

    func machine(_ mode: TestMachine.Mode = .service, concurrency: Int = 2, batchSize: Int = 4) -> TestMachine {
        TestMachine(.init(
            mode: mode, concurrency: concurrency, batchSize: batchSize, commitWindow: .milliseconds(10),
            errorBackoff: .milliseconds(100), maxErrorBackoff: .milliseconds(350)
        ))
    }

    @Test func startsByClaimingABatchAndWaitsForIt() {
        var state = machine()
        #expect(state.next(now: now) == .claim(limit: 4, delay: nil))
        #expect(state.next(now: now) == nil)
    }

    @Test func fillsTheFreeSlotsFromTheClaimedProcesses() {
        var state = machine()
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b"), LeasedWork("c")], limit: 4)
        #expect(state.next(now: now) == .run(LeasedWork("a")))
        #expect(state.next(now: now) == .run(LeasedWork("b")))
        #expect(state.next(now: now) == nil)
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .armCommitWindow(now.addingTimeInterval(0.01)))
        #expect(state.next(now: now) == .run(LeasedWork("c")))
    }

    @Test func aFinishedStepIsSavedAndItsNextStepRunsWhileASlowOneIsInFlight() {
        var state = machine()
        _ = state.next(now: now)
        state.claimed([LeasedWork("slow"), LeasedWork("fast")], limit: 4)
        #expect(state.next(now: now) == .run(LeasedWork("slow")))
        #expect(state.next(now: now) == .run(LeasedWork("fast")))
        state.stepFinished(LeasedWork("fast"), now: now)
        // Nothing is left to start: the result is saved at once, and the save claims for the free slot.
        #expect(state.next(now: now) == .commit([LeasedWork("fast")], thenClaim: 3))
        #expect(state.next(now: now) == nil)
        state.committed(saved: 1, rejected: 0, claimed: [LeasedWork("fast", 2)], limit: 3)
        #expect(state.next(now: now) == .run(LeasedWork("fast", 2)))
        #expect(state.runningCount == 2)
    }

    @Test func resultsThatFinishDuringASaveAreSavedTogetherAfterIt() {
        var state = machine(concurrency: 3)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b"), LeasedWork("c")], limit: 4)
        for _ in 0..<3 { _ = state.next(now: now) }
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a")], thenClaim: 2))
        state.stepFinished(LeasedWork("b"), now: now)
        state.stepFinished(LeasedWork("c"), now: now)
        #expect(state.next(now: now) == nil)
        state.committed(saved: 1, rejected: 0, claimed: [], limit: 2)
        #expect(state.next(now: now) == .commit([LeasedWork("b"), LeasedWork("c")], thenClaim: 4))
    }

    @Test func resultsWaitingForSlotsAreSavedWhenTheWindowPasses() {
        var state = machine(concurrency: 1)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b"), LeasedWork("c")], limit: 4)
        #expect(state.next(now: now) == .run(LeasedWork("a")))
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .armCommitWindow(now.addingTimeInterval(0.01)))
        #expect(state.next(now: now) == .run(LeasedWork("b")))
        #expect(state.next(now: now) == nil)
        let later = now.addingTimeInterval(0.01)
        state.windowElapsed()
        // "c" still waits for the slot: the save does not claim.
        #expect(state.next(now: later) == .commit([LeasedWork("a")], thenClaim: nil))
    }

    @Test func theLastClaimedProcessStartingSavesTheResultsAtOnce() {
        var state = machine(concurrency: 1)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b")], limit: 4)
        _ = state.next(now: now)
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .armCommitWindow(now.addingTimeInterval(0.01)))
        #expect(state.next(now: now) == .run(LeasedWork("b")))
        // Nothing is left to start, so nothing is gained by waiting for "b"; the save claims what runs after it.
        #expect(state.next(now: now) == .commit([LeasedWork("a")], thenClaim: 3))
    }

    @Test func aFullBatchOfResultsIsSavedWithoutWaitingForTheWindow() {
        var state = machine(concurrency: 1, batchSize: 2)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b")], limit: 2)
        state.claimed([LeasedWork("c")], limit: 2)
        #expect(state.next(now: now) == .run(LeasedWork("a")))
        state.stepFinished(LeasedWork("a"), now: now)
        _ = state.next(now: now)  // arms the window
        #expect(state.next(now: now) == .run(LeasedWork("b")))
        state.stepFinished(LeasedWork("b"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a"), LeasedWork("b")], thenClaim: nil))
    }

    @Test func gracefulStopGivesBackUnstartedClaimsAndSavesTheStepsInFlight() {
        var state = machine(concurrency: 1)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b"), LeasedWork("c")], limit: 4)
        #expect(state.next(now: now) == .run(LeasedWork("a")))
        state.stop()
        #expect(state.next(now: now) == .release([ProcessLeaseToken(id: "b", token: 1), ProcessLeaseToken(id: "c", token: 1)]))
        #expect(state.next(now: now) == nil)
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a")], thenClaim: nil))
        #expect(state.next(now: now) == nil)
        state.committed(saved: 1, rejected: 0, claimed: nil, limit: 0)
        #expect(state.next(now: now) == .finish)
        #expect(state.next(now: now) == nil)
    }

    @Test func processesClaimedWithTheLastSaveOfAStoppingWorkerAreGivenBack() {
        var state = machine(concurrency: 1)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a")], limit: 4)
        _ = state.next(now: now)
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a")], thenClaim: 4))
        state.stop()
        state.committed(saved: 1, rejected: 0, claimed: [LeasedWork("a", 2), LeasedWork("b")], limit: 4)
        #expect(state.next(now: now) == .release([ProcessLeaseToken(id: "a", token: 2), ProcessLeaseToken(id: "b", token: 1)]))
        #expect(state.next(now: now) == .finish)
    }

    @Test func aServiceWithNothingDueWaitsAndAWakeUpEndsTheWait() {
        var state = machine()
        _ = state.next(now: now)
        state.claimed([], limit: 4)
        #expect(state.next(now: now) == .waitForWork)
        #expect(state.next(now: now) == nil)
        state.wokenUp()
        // The wake-up claims at once, and ends the wait (which may have been set for a later due time).
        #expect(state.next(now: now) == .claim(limit: 4, delay: nil))
        #expect(state.next(now: now) == .interruptWait)
        state.claimed([], limit: 4)
        #expect(state.next(now: now) == nil)
        state.waitEnded()
        #expect(state.next(now: now) == .claim(limit: 4, delay: nil))
    }

    @Test func runUntilIdleFinishesWhenAClaimComesBackShortAndAllIsSaved() {
        var state = machine(.untilIdle, concurrency: 1)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a")], limit: 4)
        #expect(state.next(now: now) == .run(LeasedWork("a")))
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a")], thenClaim: 4))
        state.committed(saved: 1, rejected: 0, claimed: [], limit: 4)
        #expect(state.next(now: now) == .finish)
        #expect(state.savedCount == 1)
    }

    @Test func oneRoundClaimsOnceAndSavesWithoutClaiming() {
        var state = machine(.oneRound, concurrency: 2)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b")], limit: 4)
        _ = state.next(now: now)
        _ = state.next(now: now)
        state.stepFinished(LeasedWork("a"), now: now)
        state.stepFinished(LeasedWork("b"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a"), LeasedWork("b")], thenClaim: nil))
        state.committed(saved: 1, rejected: 1, claimed: nil, limit: 0)
        #expect(state.next(now: now) == .finish)
        #expect((state.claimedCount, state.savedCount, state.rejectedCount) == (2, 1, 1))
    }

    @Test func claimsBackOffAfterStoreErrorsAndDoubleUpToTheMaximum() {
        var state = machine()
        _ = state.next(now: now)
        state.claimFailed()
        #expect(state.next(now: now) == .claim(limit: 4, delay: .milliseconds(100)))
        state.claimFailed()
        #expect(state.next(now: now) == .claim(limit: 4, delay: .milliseconds(200)))
        state.claimFailed()
        #expect(state.next(now: now) == .claim(limit: 4, delay: .milliseconds(350)))
        state.claimed([], limit: 4)
        #expect(state.next(now: now) == .waitForWork)
    }

    @Test func heldLeasesCoverClaimedRunningAndUnsavedWork() {
        var state = machine(concurrency: 1)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b"), LeasedWork("c")], limit: 4)
        _ = state.next(now: now)
        state.stepFinished(LeasedWork("a"), now: now)
        _ = state.next(now: now)  // arms the window
        _ = state.next(now: now)  // runs b
        #expect(Set(state.heldLeases.map(\.id)) == ["a", "b", "c"])
    }

    @Test func resultsThatWaitedForASaveJoinTheNextBatchInsteadOfBeingSavedAlone() {
        var state = machine(concurrency: 2)
        _ = state.next(now: now)
        state.claimed([LeasedWork("a"), LeasedWork("b")], limit: 4)
        _ = state.next(now: now)
        _ = state.next(now: now)
        state.stepFinished(LeasedWork("a"), now: now)
        #expect(state.next(now: now) == .commit([LeasedWork("a")], thenClaim: 3))
        state.stepFinished(LeasedWork("b"), now: now)
        // The save took longer than the window; "b" waited for it, and now waits for the claimed batch.
        let later = now.addingTimeInterval(0.05)
        state.committed(saved: 1, rejected: 0, claimed: [LeasedWork("c"), LeasedWork("d"), LeasedWork("e")], limit: 3)
        #expect(state.next(now: later) == .armCommitWindow(later.addingTimeInterval(0.01)))
        #expect(state.next(now: later) == .run(LeasedWork("c")))
        #expect(state.next(now: later) == .run(LeasedWork("d")))
        state.stepFinished(LeasedWork("c"), now: later)
        state.stepFinished(LeasedWork("d"), now: later)
        #expect(state.next(now: later) == .run(LeasedWork("e")))
        #expect(state.next(now: later) == .commit([LeasedWork("b"), LeasedWork("c"), LeasedWork("d")], thenClaim: 3))
    }
}
