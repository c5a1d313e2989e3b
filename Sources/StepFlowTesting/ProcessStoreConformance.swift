import Foundation
public import StepFlowRuntime
import Testing

/// The checks every ``ProcessStore`` passes: the memory store, the SQLite store, the PostgreSQL store and yours.
///
/// Each check makes a new, empty store with `makeStore`, drives it with fixed whole-millisecond dates (stores keep
/// millisecond precision) and records failures with Swift Testing's `#expect` and `#require`, so it must run inside
/// a test. Run every check as its own test case:
///
/// ```swift
/// import StepFlowRuntime
/// import StepFlowTesting
/// import Testing
///
/// @Suite struct MyStoreConformanceTests {
///     @Test(arguments: ProcessStoreConformance.Check.allCases)
///     func conformance(_ check: ProcessStoreConformance.Check) async throws {
///         try await ProcessStoreConformance { MemoryProcessStore() }.run(check)
///     }
/// }
/// ```
///
/// or all of them in one test with ``run()``.
public struct ProcessStoreConformance: Sendable {
    /// One check of the suite.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        /// `create` stores a new process once and returns the stored record on later calls.
        case createIsIdempotent
        /// `create` with an existing id and another flow throws `.conflict` and changes nothing.
        /// Creating many processes in one call is idempotent per id and keeps their order.
        case createManyInOneCall
        case createConflictsOnAnotherFlow
        /// `processes` filters by flow and statuses, orders by id, and pages with `limit` and `after`.
        case listFiltersAndPages
        /// `processes` with an id prefix returns exactly the ids that start with it, with the other filters and paging.
        case listByIDPrefix
        /// `pages` walks every process a query selects, one page at a time, in id order.
        case pagesWalkEveryProcess
        /// `claim` takes the due processes only, earliest first, and leases them.
        case claimTakesDueProcessesInDueOrder
        /// `claim` takes at most `limit` processes.
        case claimRespectsLimit
        /// `claim` takes running and waiting processes, never finished ones.
        case claimSkipsFinishedProcesses
        /// One `claim` never returns a process twice, even with a zero lease.
        case claimReturnsEachProcessOnce
        /// `claim(only:force:)` takes the named process alone, when due or forced, never under another's valid lease.
        case claimOnlyTakesTheNamedProcess
        /// A lapsed lease is taken over by another worker with a higher token; the first worker's save is rejected.
        case expiredLeaseIsTakenOver
        /// `commit` with the current token saves every field and releases the lease.
        case commitSavesWithCurrentToken
        /// `commit` with a token that is not the current one saves nothing.
        case commitRejectsStaleToken
        /// `commit` after a cancellation saves nothing, with the old token or the new one.
        case commitRejectsAfterCancel
        /// `commit` on a finished process saves nothing.
        case commitRejectsFinishedProcess
        /// `commit` after the lease lapsed, while no one took the process over, still saves (fencing is by token).
        case commitAfterLapsedLeaseSaves
        /// One `commit` saves many updates; each saved or rejected on its own, outcomes in order.
        case commitBatchWithMixedOutcomes
        /// `commit` with a `nil` state or data keeps the stored one.
        case commitWithNilKeepsStateAndData
        /// `commit` saves error texts holding U+0000 (a step error that quotes binary output) with the rest of its
        /// batch; a store whose text cannot hold U+0000 (PostgreSQL) writes U+FFFD in its place.
        case commitSavesErrorTextWithNUL
        /// `commit(_:thenClaim:)` saves, then claims in due order what is due after the saves.
        case commitThenClaimSeesTheSaves
        /// History entries come back oldest first, every field equal.
        case historyRoundTrips
        /// Consecutive `waiting` entries of one step are one history row, counting the polls (bounded history).
        case historyMergesConsecutivePolls
        /// `renewLeases` extends only the leases the owner holds with the current token.
        case renewLeasesExtendsOnlyCurrentTokens
        /// `renewLeases(now:for:)` extends the owner's current leases for the duration past the store's time.
        case renewLeasesForADuration
        /// `releaseLeases` makes the owner's processes due at once.
        case releaseLeasesMakesProcessesDueNow
        /// `execute(.cancel)` stops an active process and moves its token on.
        case cancelCommand
        /// `execute(.wake)` makes an active process due now, unless a worker holds it.
        case wakeCommand
        /// `execute(.resume)` makes a failed process running and due now.
        case resumeCommand
        /// `execute(_:onEach:now:by:)` applies a command to every process, fenced and with its history, and reports an
        /// unknown process and a refused command for their ids without affecting the others.
        case executeOnEachProcess
        /// `nextDueDate` and `dueCount` follow creates, claims, commits and cancellations.
        case nextDueDateAndDueCount
        /// `wakeUps` yields to every subscriber after a create, a wake and a resume.
        case wakeUpsAfterCreateWakeAndResume
        /// `sendSignal` appends with sequences 1, 2, 3 across names; `signals(of:)` returns them in order.
        case signalsAreKeptInOrder
        /// `signals(of:)` returns only the processes asked for, and only those with signals.
        case signalsOfReturnsOnlyTheAskedProcesses
        /// `sendSignal` to an unknown process throws `.notFound`, to a finished one `.invalidCommand`; nothing is stored.
        case signalToUnknownOrFinishedProcessIsRefused
        /// `sendSignal` with an empty name throws `.invalidCommand`; nothing is stored.
        case signalNameMustNotBeEmpty
        /// `sendSignal` makes a process due later due now, and wakes idle workers.
        case signalMakesAWaitingProcessDueNow
        /// `sendSignal` to a process a worker holds stores the signal and keeps the lease; the worker's save succeeds.
        case signalToALeasedProcessKeepsTheLease
        /// Signal payloads come back byte for byte.
        case signalPayloadsRoundTrip
        /// Concurrent `sendSignal` calls get distinct, consecutive sequences.
        case concurrentSignalsGetDistinctSequences
        /// `execute(.pause)` fences a process and keeps workers off it; `.unpause` lets them claim it at its due time.
        case pauseAndUnpause
        /// A paused timer keeps its wall-clock time; one that passed while paused is due at once after the unpause.
        case pausedTimerKeepsItsTime
        /// A signal sent to a paused process is stored without waking it, and is there after the unpause.
        case signalToAPausedProcessIsKept
        /// `execute(.move)` replaces the state, clears the error, fences, and makes the process due now (a paused one stays paused).
        case moveCommand
        /// Labels are stored with the process, replaced by `execute(.setLabels)`, and refused when they break a rule.
        case labelsAreStoredAndReplaced
        /// `processes` filters by labels, step, and created and updated times, with keyset paging.
        case searchByLabelsStepAndTime
        /// Searches by step, creation and update time find processes of every status, alone and with other criteria.
        case searchesSpanEveryStatus
        /// The stored step agrees with `ProcessRecord.currentStep` for every kind of state, in queries and statistics.
        case currentStepFollowsTheState
        /// `statistics` counts by flow, status and step, for one flow or all.
        case statisticsCount
        /// `statistics` agrees with counting the stored processes after finishing, cancel, resume, move and purge.
        case statisticsFollowEveryChange
        /// `purge` deletes finished processes with their history, signals and labels; never running, waiting or paused ones.
        case purgeDeletesOnlyFinishedProcesses

        /// The check's name.
        public var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any ProcessStore

    /// A suite that runs each check against a new store made by `makeStore`.
    public init(makeStore: @escaping @Sendable () async throws -> any ProcessStore) {
        self.makeStore = makeStore
    }

    /// Runs every check, in order.
    public func run() async throws {
        for check in Check.allCases {
            try await run(check)
        }
    }

    /// Runs one check.
    public func run(_ check: Check) async throws {
        switch check {
        case .createIsIdempotent: try await createIsIdempotent()
        case .createManyInOneCall: try await createManyInOneCall()
        case .createConflictsOnAnotherFlow: try await createConflictsOnAnotherFlow()
        case .listFiltersAndPages: try await listFiltersAndPages()
        case .listByIDPrefix: try await listByIDPrefix()
        case .pagesWalkEveryProcess: try await pagesWalkEveryProcess()
        case .claimTakesDueProcessesInDueOrder: try await claimTakesDueProcessesInDueOrder()
        case .claimRespectsLimit: try await claimRespectsLimit()
        case .claimSkipsFinishedProcesses: try await claimSkipsFinishedProcesses()
        case .claimReturnsEachProcessOnce: try await claimReturnsEachProcessOnce()
        case .claimOnlyTakesTheNamedProcess: try await claimOnlyTakesTheNamedProcess()
        case .expiredLeaseIsTakenOver: try await expiredLeaseIsTakenOver()
        case .commitSavesWithCurrentToken: try await commitSavesWithCurrentToken()
        case .commitRejectsStaleToken: try await commitRejectsStaleToken()
        case .commitRejectsAfterCancel: try await commitRejectsAfterCancel()
        case .commitRejectsFinishedProcess: try await commitRejectsFinishedProcess()
        case .commitAfterLapsedLeaseSaves: try await commitAfterLapsedLeaseSaves()
        case .commitBatchWithMixedOutcomes: try await commitBatchWithMixedOutcomes()
        case .commitWithNilKeepsStateAndData: try await commitWithNilKeepsStateAndData()
        case .commitSavesErrorTextWithNUL: try await commitSavesErrorTextWithNUL()
        case .commitThenClaimSeesTheSaves: try await commitThenClaimSeesTheSaves()
        case .historyRoundTrips: try await historyRoundTrips()
        case .historyMergesConsecutivePolls: try await historyMergesConsecutivePolls()
        case .renewLeasesExtendsOnlyCurrentTokens: try await renewLeasesExtendsOnlyCurrentTokens()
        case .renewLeasesForADuration: try await renewLeasesForADuration()
        case .releaseLeasesMakesProcessesDueNow: try await releaseLeasesMakesProcessesDueNow()
        case .cancelCommand: try await cancelCommand()
        case .wakeCommand: try await wakeCommand()
        case .resumeCommand: try await resumeCommand()
        case .executeOnEachProcess: try await executeOnEachProcess()
        case .nextDueDateAndDueCount: try await nextDueDateAndDueCount()
        case .wakeUpsAfterCreateWakeAndResume: try await wakeUpsAfterCreateWakeAndResume()
        case .signalsAreKeptInOrder: try await signalsAreKeptInOrder()
        case .signalsOfReturnsOnlyTheAskedProcesses: try await signalsOfReturnsOnlyTheAskedProcesses()
        case .signalToUnknownOrFinishedProcessIsRefused: try await signalToUnknownOrFinishedProcessIsRefused()
        case .signalNameMustNotBeEmpty: try await signalNameMustNotBeEmpty()
        case .signalMakesAWaitingProcessDueNow: try await signalMakesAWaitingProcessDueNow()
        case .signalToALeasedProcessKeepsTheLease: try await signalToALeasedProcessKeepsTheLease()
        case .signalPayloadsRoundTrip: try await signalPayloadsRoundTrip()
        case .concurrentSignalsGetDistinctSequences: try await concurrentSignalsGetDistinctSequences()
        case .pauseAndUnpause: try await pauseAndUnpause()
        case .pausedTimerKeepsItsTime: try await pausedTimerKeepsItsTime()
        case .signalToAPausedProcessIsKept: try await signalToAPausedProcessIsKept()
        case .moveCommand: try await moveCommand()
        case .labelsAreStoredAndReplaced: try await labelsAreStoredAndReplaced()
        case .searchByLabelsStepAndTime: try await searchByLabelsStepAndTime()
        case .searchesSpanEveryStatus: try await searchesSpanEveryStatus()
        case .currentStepFollowsTheState: try await currentStepFollowsTheState()
        case .statisticsCount: try await statisticsCount()
        case .statisticsFollowEveryChange: try await statisticsFollowEveryChange()
        case .purgeDeletesOnlyFinishedProcesses: try await purgeDeletesOnlyFinishedProcesses()
        }
    }
}
