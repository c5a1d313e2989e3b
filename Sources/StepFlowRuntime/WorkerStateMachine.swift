import Foundation

/// Something a worker holds a lease on: a claimed process waiting for its step, or a step result waiting for its save.
protocol WorkerLeased: Sendable {
    /// The process and the token of the worker's claim.
    var lease: ProcessLeaseToken { get }
}

extension StepRunner.Job: WorkerLeased {}
extension StepRunner.Finished: WorkerLeased {}

/// The decisions of a running ``FlowWorker``, without I/O: which step to start, when to save, when to claim, when
/// to wait and when to stop. The worker reports what happened (`claimed`, `stepFinished`, `committed`, …) and
/// performs the actions ``next(now:)`` returns until it returns `nil`.
///
/// It keeps up to `concurrency` steps in flight (slots, not rounds): a free slot takes the next claimed process at
/// once, and finished steps are saved together — in one transaction per `commitWindow` (counted from when a save
/// could start: the end of the save in flight, if any), or as soon as `batchSize` results are in or no claimed
/// process is left to start, whichever comes first — without waiting for the slower
/// steps that were claimed with them. Claims ride on the save when the worker runs out of work (one transaction
/// for both), so a process's next step is claimed, and runs, only after its previous step is saved.
struct WorkerStateMachine<Job: WorkerLeased, Done: WorkerLeased> {
    /// What the worker runs until.
    enum Mode: Sendable, Hashable {
        /// Until stopped; waits for work when nothing is due.
        case service
        /// Until no process is due.
        case untilIdle
        /// One claim, its steps and their saves.
        case oneRound
    }

    /// The limits the decisions keep.
    struct Configuration: Sendable, Hashable {
        var mode: Mode
        /// The most steps in flight.
        var concurrency: Int
        /// The most processes one claim takes, and the most results one save takes.
        var batchSize: Int
        /// The longest a finished step waits for others to be saved with it while claimed processes are still to run.
        var commitWindow: Duration
        /// The first delay of a claim after a store error; it doubles up to `maxErrorBackoff`.
        var errorBackoff: Duration
        /// The longest delay after repeated store errors.
        var maxErrorBackoff: Duration
    }

    /// What the worker does next.
    enum Action: Sendable {
        /// Claim up to `limit` due processes, after waiting `delay` (a back-off after store errors).
        case claim(limit: Int, delay: Duration?)
        /// Run the next step of a claimed process.
        case run(Job)
        /// Save these results in one transaction; with `thenClaim`, claim up to that many processes in the same one.
        case commit([Done], thenClaim: Int?)
        /// Give back leases of processes claimed but not started (the worker is stopping).
        case release([ProcessLeaseToken])
        /// Report `windowElapsed` at this time, so the results waiting then are saved.
        case armCommitWindow(Date)
        /// Wait for work: until the next due time, the idle interval or a wake-up; then report `waitEnded`.
        case waitForWork
        /// End the wait in progress (a wake-up, or a save that may have changed the next due time).
        case interruptWait
        /// Everything claimed is saved or given back: the run is over.
        case finish
    }

    let configuration: Configuration

    /// Claimed processes whose steps have not started, oldest first (from `pendingStart` on).
    private var pending: [Job] = []
    private var pendingStart = 0
    /// The leases of the steps in flight.
    private var running: [ProcessID: Int64] = [:]
    /// Finished steps waiting for their save, and when the first of them finished.
    private var buffered: [Done] = []
    private var bufferedSince: Date?
    /// Set when a save returns: the window of the results that waited for it starts again then, so that they join
    /// the results of the processes claimed with that save instead of being saved alone.
    private var restartWindow = false
    private var commitInFlight = false
    private var claimInFlight = false
    /// Whether a claim may find due processes (the last one was full, or something happened since).
    private var mayHaveDueWork = true
    private var waiting = false
    private var waitIsStale = false
    private var windowArmed = false
    private var stopping = false
    private var claimedOnce = false
    private var finished = false
    private var consecutiveErrors = 0
    /// Leases of processes claimed while stopping, to give back.
    private var toRelease: [ProcessLeaseToken] = []

    /// Processes claimed, results saved and results rejected so far.
    private(set) var claimedCount = 0
    private(set) var savedCount = 0
    private(set) var rejectedCount = 0

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// How many claimed processes wait for a slot.
    var pendingCount: Int { pending.count - pendingStart }
    /// How many steps are in flight.
    var runningCount: Int { running.count }
    /// Whether the worker was told to stop.
    var isStopping: Bool { stopping }

    /// The leases to renew: claimed processes, steps in flight, results waiting for their save (a save in flight
    /// gives its leases back).
    var heldLeases: [ProcessLeaseToken] {
        var leases = pendingLeases
        leases += running.map { ProcessLeaseToken(id: $0.key, token: $0.value) }
        leases += buffered.map(\.lease)
        return leases
    }

    /// The leases of claimed processes whose steps have not started.
    var pendingLeases: [ProcessLeaseToken] { pending[pendingStart...].map(\.lease) }

    // MARK: Events

    /// A claim (asked with `limit`) returned `jobs`.
    mutating func claimed(_ jobs: [Job], limit: Int) {
        claimInFlight = false
        consecutiveErrors = 0
        accept(jobs, limit: limit)
    }

    /// A claim failed; the next one waits a back-off.
    mutating func claimFailed() {
        claimInFlight = false
        consecutiveErrors += 1
        mayHaveDueWork = true
    }

    /// A step finished at `now`.
    mutating func stepFinished(_ done: Done, now: Date) {
        running.removeValue(forKey: done.lease.id)
        if buffered.isEmpty { bufferedSince = now }
        buffered.append(done)
    }

    /// A save returned: `saved` and `rejected` results, and, when it claimed too (asked with `limit`), `jobs`.
    mutating func committed(saved: Int, rejected: Int, claimed jobs: [Job]?, limit: Int) {
        commitInFlight = false
        restartWindow = true
        savedCount += saved
        rejectedCount += rejected
        consecutiveErrors = 0
        if waiting { waitIsStale = true }
        if let jobs {
            claimInFlight = false
            accept(jobs, limit: limit)
        } else {
            // The saved processes may be due again.
            mayHaveDueWork = true
        }
    }

    /// A save failed: its results are dropped (their steps run again once their leases lapse).
    mutating func commitFailed(claimed: Bool) {
        commitInFlight = false
        restartWindow = true
        if claimed { claimInFlight = false }
        consecutiveErrors += 1
        mayHaveDueWork = true
    }

    /// The commit window armed with ``Action/armCommitWindow(_:)`` has passed.
    mutating func windowElapsed() {
        windowArmed = false
    }

    /// The store says a process may have become due (started, woken, resumed, signalled).
    mutating func wokenUp() {
        mayHaveDueWork = true
        if waiting { waitIsStale = true }
    }

    /// The wait for work has ended.
    mutating func waitEnded() {
        waiting = false
        waitIsStale = false
        mayHaveDueWork = true
    }

    /// Stop: start nothing new, give back what was claimed but not started, save what is in flight.
    mutating func stop() {
        stopping = true
        if waiting { waitIsStale = true }
    }

    private mutating func accept(_ jobs: [Job], limit: Int) {
        claimedCount += jobs.count
        claimedOnce = true
        mayHaveDueWork = jobs.count >= limit
        if stopping {
            toRelease += jobs.map(\.lease)
        } else {
            compactPending()
            pending += jobs
        }
    }

    private mutating func compactPending() {
        if pendingStart == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingStart = 0
        } else if pendingStart > 64, pendingStart * 2 > pending.count {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
    }

    // MARK: Decisions

    /// The next action at `now`, or `nil` when the worker has nothing to do until the next event.
    mutating func next(now: Date) -> Action? {
        if finished { return nil }
        if stopping, pendingCount > 0 {
            toRelease += pending[pendingStart...].map(\.lease)
            pending.removeAll(keepingCapacity: false)
            pendingStart = 0
        }
        if !toRelease.isEmpty {
            defer { toRelease = [] }
            return .release(toRelease)
        }
        if let save = nextSave(now: now) { return save }
        // A free slot takes the next claimed process.
        if running.count < configuration.concurrency, pendingStart < pending.count {
            let job = pending[pendingStart]
            pendingStart += 1
            running[job.lease.id] = job.lease.token
            return .run(job)
        }
        // A save in flight claims with it, or is followed by a save that does: a claim of its own only when none is.
        if canClaim, !claimInFlight, !commitInFlight, mayHaveDueWork, pendingCount == 0, running.count < configuration.concurrency {
            claimInFlight = true
            return .claim(limit: claimLimit, delay: backoff)
        }
        if waiting, waitIsStale {
            waitIsStale = false
            return .interruptWait
        }
        let drained = pendingCount == 0 && running.isEmpty && buffered.isEmpty && !commitInFlight && !claimInFlight
        switch configuration.mode {
        case .service where !stopping:
            if !mayHaveDueWork, !waiting, !claimInFlight, pendingCount == 0, running.count < configuration.concurrency {
                waiting = true
                return .waitForWork
            }
            return nil
        case .untilIdle where !stopping && mayHaveDueWork:
            return nil
        default:
            guard drained else { return nil }
            finished = true
            return .finish
        }
    }

    /// A save when one is due: `batchSize` results, no claimed process left to start, or the window passed.
    private mutating func nextSave(now: Date) -> Action? {
        if restartWindow, !commitInFlight {
            restartWindow = false
            if bufferedSince != nil { bufferedSince = now }
        }
        guard !commitInFlight, let since = bufferedSince else { return nil }
        let deadline = since.addingTimeInterval(configuration.commitWindow.timeInterval)
        guard buffered.count >= configuration.batchSize || pendingCount == 0 || deadline <= now else {
            if windowArmed { return nil }
            windowArmed = true
            return .armCommitWindow(deadline)
        }
        let batch: [Done]
        if buffered.count > configuration.batchSize {
            batch = Array(buffered.prefix(configuration.batchSize))
            buffered.removeFirst(configuration.batchSize)
            bufferedSince = now
        } else {
            batch = buffered
            buffered = []
            bufferedSince = nil
        }
        commitInFlight = true
        // Running out of work: the save claims the next processes in the same transaction (they start as slots free).
        var thenClaim: Int? = nil
        if canClaim, !claimInFlight, pendingCount == 0, backoff == nil {
            thenClaim = claimLimit
            claimInFlight = true
        }
        return .commit(batch, thenClaim: thenClaim)
    }

    private var canClaim: Bool {
        !stopping && !(configuration.mode == .oneRound && claimedOnce)
    }

    /// How many processes to claim: a batch, less the steps in flight.
    private var claimLimit: Int { max(1, configuration.batchSize - running.count) }

    /// The delay before the next claim after `consecutiveErrors` store errors.
    private var backoff: Duration? {
        guard consecutiveErrors > 0 else { return nil }
        var delay = configuration.errorBackoff
        for _ in 1..<min(consecutiveErrors, 32) where delay < configuration.maxErrorBackoff { delay *= 2 }
        return min(delay, configuration.maxErrorBackoff)
    }
}

extension WorkerStateMachine.Action: Equatable where Job: Equatable, Done: Equatable {}
