import Foundation
public import Logging
public import CoreMetrics
public import ServiceLifecycle
import Synchronization

/// The service that drives processes: it claims due processes from a store, applies one step to each,
/// saves the results and reschedules them.
///
/// ```swift
/// let worker = FlowWorker(store: store, registry: registry, logger: logger)
/// let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// The worker keeps up to ``Configuration/concurrency`` steps in flight. It claims up to
/// ``Configuration/batchSize`` due processes in one store transaction, and a free slot takes the next of them at once,
/// without waiting for the slower steps claimed with it. Finished steps are saved together (group commit): as soon
/// as no claimed process is left to start, or ``Configuration/batchSize`` results are in, or within
/// ``Configuration/commitWindow`` while claimed processes still wait for a slot. When it runs out of work, the save
/// claims the next processes in the same transaction (``ProcessStore/commit(_:thenClaim:)``). A process's next step
/// never runs before its previous step is saved: it is not claimable again until the save releases it, and the
/// steps of a claim run only once the transaction that made it is committed. When nothing is due and a slot is
/// free, the worker waits until the next due time, the idle interval, or a wake-up from the store (start, wake,
/// resume), whichever comes first. Leases of claimed processes and of long steps are renewed every third of
/// ``Configuration/leaseDuration``.
///
/// With `concurrency: 1` one task drives every process, one step at a time (as go-stepflow's single goroutine
/// does): a slow step then delays the steps of every other process. Raise `concurrency` so that slow steps take
/// only their own slots.
///
/// Steps run at least once: a crash between a step's side effect and its save repeats the step after the lease
/// lapses. Use ``StepContext/idempotencyKey`` to make external calls safe to repeat.
///
/// On graceful shutdown the worker stops claiming, gives back the processes it claimed but did not start, lets the
/// steps in flight finish and saves them.
public struct FlowWorker: Service {
    /// How a worker behaves.
    public struct Configuration: Sendable {
        /// The worker's identifier, written into leases and history.
        public var workerID: String
        /// How many steps run at once (1: one task drives every process, so a slow step delays the others).
        public var concurrency: Int
        /// The most processes claimed in one transaction, and the most step results saved in one.
        public var batchSize: Int
        /// The longest a finished step's result waits to be saved with others while claimed processes still wait
        /// for a slot; when none does, results are saved at once.
        public var commitWindow: Duration
        /// How long until a `WaitFor` that is not yet true is checked again, unless the flow or step says otherwise.
        public var pollInterval: Duration
        /// The longest the worker sleeps when nothing is due, to notice processes made due by other programs.
        public var idleInterval: Duration
        /// How long a claim lasts; the worker renews the leases it holds every third of it.
        public var leaseDuration: Duration
        /// The first delay after a store error; it doubles up to ``maxErrorBackoff``.
        public var errorBackoff: Duration
        /// The longest delay after repeated store errors.
        public var maxErrorBackoff: Duration
        /// When set, the worker deletes old finished processes periodically (``Retention``); `nil` keeps them.
        public var retention: Retention?

        /// How a worker purges finished processes (``StepFlowClient/purge(finishedBefore:flow:statuses:dryRun:batchSize:)``).
        ///
        /// Every `every`, the worker deletes the processes that finished longer than `olderThan` ago, in batches of
        /// `batchSize`, one transaction each. On a store shared by many workers (PostgreSQL) only one worker purges at
        /// a time: the others skip the round (``PurgeRequest/exclusive``).
        public struct Retention: Sendable, Hashable {
            /// How long a finished process is kept.
            public var olderThan: Duration
            /// How often the worker purges.
            public var every: Duration
            /// Only processes of this flow (`nil`: every flow).
            public var flowName: String?
            /// Only these finished statuses (`nil`: completed, failed and cancelled).
            public var statuses: Set<ProcessStatus>?
            /// The most processes deleted in one transaction.
            public var batchSize: Int

            /// A retention policy.
            public init(
                olderThan: Duration, every: Duration = .seconds(3600), flowName: String? = nil,
                statuses: Set<ProcessStatus>? = nil, batchSize: Int = 500
            ) {
                self.olderThan = olderThan
                self.every = every
                self.flowName = flowName
                self.statuses = statuses
                self.batchSize = max(1, batchSize)
            }
        }

        /// A configuration; every value has a default.
        public init(
            workerID: String = FlowWorker.defaultWorkerID(),
            concurrency: Int = 1,
            batchSize: Int = 256,
            pollInterval: Duration = .seconds(5),
            idleInterval: Duration = .seconds(1),
            leaseDuration: Duration = .seconds(60),
            errorBackoff: Duration = .milliseconds(100),
            maxErrorBackoff: Duration = .seconds(10),
            commitWindow: Duration = .milliseconds(10),
            retention: Retention? = nil
        ) {
            self.retention = retention
            self.workerID = workerID
            self.concurrency = max(1, concurrency)
            self.batchSize = max(1, batchSize)
            self.pollInterval = pollInterval
            self.idleInterval = idleInterval
            self.leaseDuration = leaseDuration
            self.errorBackoff = errorBackoff
            self.maxErrorBackoff = maxErrorBackoff
            self.commitWindow = commitWindow
        }
    }

    /// What one round (``runRound()``) did.
    public struct Round: Sendable, Hashable {
        /// Processes claimed.
        public var claimed: Int
        /// Step results saved.
        public var saved: Int
        /// Step results rejected because the worker no longer held the process.
        public var rejected: Int

        /// A round's counts.
        public init(claimed: Int, saved: Int, rejected: Int) {
            self.claimed = claimed
            self.saved = saved
            self.rejected = rejected
        }
    }

    /// The store the worker claims from and saves to.
    public let store: any ProcessStore
    /// The flows the worker can run.
    public let registry: FlowRegistry
    /// The worker's configuration.
    public let configuration: Configuration
    /// The worker's clock: the clock it was given, aligned to the store server's time (``ServerAlignedClock``).
    public let clock: any RuntimeClock
    private let serverClock: ServerAlignedClock
    private let logger: Logger
    private let metrics: RuntimeMetrics

    /// A worker for the flows of `registry` on `store`.
    ///
    /// Metrics (steps by outcome, rejected saves, step duration, due backlog, store errors) go to
    /// `metricsFactory`, by default the factory bootstrapped with swift-metrics' `MetricsSystem`.
    public init(
        store: any ProcessStore, registry: FlowRegistry, configuration: Configuration = Configuration(),
        clock: any RuntimeClock = SystemClock(), logger: Logger, metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.metrics = RuntimeMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.store = store
        self.registry = registry
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "stepflow.worker"] = "\(configuration.workerID)"
        self.logger = logger
        self.serverClock = ServerAlignedClock.wrapping(clock, logger: logger, metricsFactory: metricsFactory)
        self.clock = serverClock
    }

    /// `<host>-<pid>-<random>`: unique per worker instance.
    public static func defaultWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }

    /// Runs until graceful shutdown or cancellation.
    public func run() async throws {
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let idle = IdleSignal()
        try await withGracefulShutdownHandler {
            _ = try await drive(.service, events: events, continuation: continuation, idle: idle)
        } onGracefulShutdown: {
            idle.stop()
            continuation.yield(.stop)
        }
    }

    /// Runs steps until no process is due at the clock's current time; returns the number of steps saved.
    ///
    /// Useful for tools and tests that drive a worker with a manual clock.
    @discardableResult
    public func runUntilIdle() async throws -> Int {
        let (events, continuation) = AsyncStream<Event>.makeStream()
        return try await drive(.untilIdle, events: events, continuation: continuation, idle: IdleSignal()).saved
    }

    /// Claims one batch of due processes, runs their next steps and saves the results.
    public func runRound() async throws -> Round {
        let (events, continuation) = AsyncStream<Event>.makeStream()
        return try await drive(.oneRound, events: events, continuation: continuation, idle: IdleSignal())
    }

    /// The current time: every time the worker reads goes through here.
    private var now: Date { clock.now }

    /// What happened, reported to the loop of ``drive(_:events:continuation:)``.
    enum Event: Sendable {
        case claimed([StepRunner.Job], limit: Int)
        case claimFailed(any Error)
        /// Steps run in child tasks have finished: their results are in the loop's `FinishedSteps`.
        case stepsFinished
        case committed(saved: Int, rejected: Int, claimed: [StepRunner.Job]?, limit: Int)
        case commitFailed(any Error, claimed: Bool)
        case windowElapsed
        case wokenUp
        case waitEnded
        case stop
    }

    private typealias Machine = WorkerStateMachine<StepRunner.Job, StepRunner.Finished>

    /// The state machine, shared by the loop and the task that renews leases.
    private final class MachineBox: Sendable {
        let machine: Mutex<Machine>
        init(_ machine: Machine) { self.machine = Mutex(machine) }
    }

    /// Runs the worker's loop in `mode`: events go into the state machine, and its actions are performed here.
    /// `idle` ends waits for work, and tells a loop that runs steps itself that a stop was asked for.
    ///
    /// With `concurrency: 1` the loop runs each step itself (one task drives every process); otherwise each step
    /// runs in a child task and reports its result as an event.
    private func drive(
        _ mode: Machine.Mode, events: AsyncStream<Event>, continuation: AsyncStream<Event>.Continuation, idle: IdleSignal
    ) async throws -> Round {
        let box = MachineBox(Machine(.init(
            mode: mode, concurrency: configuration.concurrency, batchSize: configuration.batchSize,
            commitWindow: configuration.commitWindow, errorBackoff: configuration.errorBackoff,
            maxErrorBackoff: configuration.maxErrorBackoff
        )))
        let runner = StepRunner(
            registry: registry, worker: configuration.workerID, defaultPollInterval: configuration.pollInterval, logger: logger
        )
        if mode == .service {
            logger.info("worker started", metadata: [
                "stepflow.concurrency": "\(configuration.concurrency)", "stepflow.flows": "\(registry.names)",
            ])
        }
        defer { if mode == .service { logger.info("worker stopped") } }
        return try await withThrowingDiscardingTaskGroup { group in
            if mode == .service {
                let wakeUps = store.wakeUps()
                // One subscription for the whole run; a store whose stream ends just never wakes the worker.
                group.addTask {
                    for await _ in wakeUps { continuation.yield(.wokenUp) }
                }
            }
            group.addTask { await renewLeases(box) }
            if mode == .service, let retention = configuration.retention {
                group.addTask { await purgePeriodically(retention) }
            }
            let finished = FinishedSteps()
            var lastBacklogCheck = Date.distantPast
            var iterator = events.makeAsyncIterator()
            var event: Event? = nil
            while true {
                if let event {
                    if let error = box.machine.withLock({ machine in handle(event, mode: mode, finished: finished, in: &machine) }) {
                        group.cancelAll()
                        throw error
                    }
                }
                // Perform the actions until the machine waits for the next event.
                var done = false
                while let action = box.machine.withLock({ $0.next(now: now) }) {
                    switch action {
                    case let .run(job):
                        if configuration.concurrency == 1 {
                            let finished = await runner.run(job, now: now)
                            box.machine.withLock { $0.stepFinished(finished, now: now) }
                        } else {
                            group.addTask {
                                if finished.add(await runner.run(job, now: now)) { continuation.yield(.stepsFinished) }
                            }
                        }
                    case let .claim(limit, delay):
                        let checkBacklog = mode == .service && now.timeIntervalSince(lastBacklogCheck) >= 1
                        if checkBacklog { lastBacklogCheck = now }
                        group.addTask {
                            continuation.yield(await claim(limit: limit, delay: delay, checkBacklog: checkBacklog, runner: runner))
                        }
                    case let .commit(results, thenClaim):
                        group.addTask {
                            continuation.yield(await commit(results, thenClaim: thenClaim, runner: runner))
                        }
                    case let .release(leases):
                        // Claimed but not started: given back, due at once.
                        try? await store.releaseLeases(leases, owner: configuration.workerID, now: now)
                    case let .armCommitWindow(deadline):
                        group.addTask {
                            try? await clock.sleep(until: deadline)
                            continuation.yield(.windowElapsed)
                        }
                    case .waitForWork:
                        group.addTask {
                            await waitForWork(idle)
                            continuation.yield(.waitEnded)
                        }
                    case .interruptWait:
                        idle.notify()
                    case .finish:
                        done = true
                    }
                    // A stop asked for while the loop ran a step itself is seen before the next step.
                    if case .run = action, configuration.concurrency == 1, idle.isStopped {
                        box.machine.withLock { $0.stop() }
                    }
                }
                if done { break }
                guard let next = await iterator.next() else { break }
                event = next
            }
            // Cancelled (a stop has given them back already): give back what was claimed but not started.
            let unstarted = box.machine.withLock { $0.pendingLeases }
            if !unstarted.isEmpty { try? await store.releaseLeases(unstarted, owner: configuration.workerID, now: now) }
            group.cancelAll()
            return box.machine.withLock { Round(claimed: $0.claimedCount, saved: $0.savedCount, rejected: $0.rejectedCount) }
        }
    }

    /// Feeds `event` to the machine; returns the error that ends a run that is not a service (a service logs it
    /// and backs off).
    private func handle(_ event: Event, mode: Machine.Mode, finished: FinishedSteps, in machine: inout Machine) -> (any Error)? {
        switch event {
        case let .claimed(jobs, limit):
            machine.claimed(jobs, limit: limit)
        case let .claimFailed(error):
            guard mode == .service else { return error }
            storeError(error)
            machine.claimFailed()
        case .stepsFinished:
            let now = self.now
            for done in finished.take() { machine.stepFinished(done, now: now) }
        case let .committed(saved, rejected, claimed, limit):
            machine.committed(saved: saved, rejected: rejected, claimed: claimed, limit: limit)
        case let .commitFailed(error, claimed):
            guard mode == .service else { return error }
            storeError(error)
            machine.commitFailed(claimed: claimed)
        case .windowElapsed:
            machine.windowElapsed()
        case .wokenUp:
            machine.wokenUp()
        case .waitEnded:
            machine.waitEnded()
        case .stop:
            machine.stop()
        }
        return nil
    }

    private func storeError(_ error: any Error) {
        guard !(error is CancellationError) else { return }
        metrics.storeErrors.increment()
        logger.error("store error; retrying", metadata: ["stepflow.error": "\(error)"])
    }

    /// A request for up to `limit` due processes.
    private func claimRequest(limit: Int) -> ClaimRequest {
        ClaimRequest(owner: configuration.workerID, now: now, leaseDuration: configuration.leaseDuration, limit: limit)
    }

    /// Claims up to `limit` due processes (after `delay`) and reads their signals.
    private func claim(limit: Int, delay: Duration?, checkBacklog: Bool, runner: StepRunner) async -> Event {
        if let delay { try? await clock.sleep(until: now.addingTimeInterval(delay.timeInterval)) }
        do {
            try await serverClock.synchronizeIfDue(with: store)
            if checkBacklog { metrics.dueBacklog.record(try await store.dueCount(now: now)) }
            let claimed = try await store.claim(claimRequest(limit: limit))
            return .claimed(try await jobs(claimed, runner: runner), limit: limit)
        } catch {
            return .claimFailed(error)
        }
    }

    /// The jobs of claimed processes; when their signals cannot be read, the claims are given back.
    private func jobs(_ claimed: [ClaimedProcess], runner: StepRunner) async throws -> [StepRunner.Job] {
        do {
            return try await runner.jobs(claimed, store: store)
        } catch {
            let leases = claimed.map { ProcessLeaseToken(id: $0.id, token: $0.leaseToken) }
            try? await store.releaseLeases(leases, owner: configuration.workerID, now: now)
            throw error
        }
    }

    /// Saves `results` in one transaction (claiming up to `limit` processes in it, if given), then wakes the
    /// processes that got a signal while the worker held them.
    private func commit(_ results: [StepRunner.Finished], thenClaim limit: Int?, runner: StepRunner) async -> Event {
        let updates = results.map(\.update)
        let outcomes: [CommitOutcome]
        var claimed: [ClaimedProcess] = []
        do {
            // Claims ride on saves while work is due: the server's time is read again here too.
            try await serverClock.synchronizeIfDue(with: store)
            if let limit {
                (outcomes, claimed) = try await store.commit(updates, thenClaim: claimRequest(limit: limit))
            } else {
                outcomes = try await store.commit(updates)
            }
        } catch {
            return .commitFailed(error, claimed: limit != nil)
        }
        let (saved, rejected) = record(updates, outcomes)
        var jobs: [StepRunner.Job]? = nil
        if limit != nil {
            do {
                jobs = try await self.jobs(claimed, runner: runner)
            } catch {
                storeError(error)
                jobs = []
            }
        }
        do {
            try await wakeForSignalsReceivedWhileHeld(results, outcomes)
        } catch {
            storeError(error)
        }
        return .committed(saved: saved, rejected: rejected, claimed: jobs, limit: limit ?? 0)
    }

    /// Wakes the saved processes that now wait and whose inbox grew while the worker held them.
    ///
    /// A signal sent to a process that a worker holds is only stored (the store does not move the due time under
    /// a lease), and the step that ran may have looked at the inbox before the signal came. Once the step is saved
    /// (and the lease given back), the worker reads the inboxes of those processes again; one that got a signal
    /// meanwhile is made due now, instead of waiting for its `signalRecheckInterval`. A signal sent after the save
    /// wakes the process by itself.
    private func wakeForSignalsReceivedWhileHeld(_ results: [StepRunner.Finished], _ outcomes: [CommitOutcome]) async throws {
        var waiting: [ProcessID] = []
        var seen: [ProcessID: Int] = [:]
        for (result, outcome) in zip(results, outcomes)
        where result.awaitsSignals && outcome == .saved && result.update.status == .waiting {
            waiting.append(result.update.id)
            seen[result.update.id] = result.signalsSeen
        }
        guard !waiting.isEmpty else { return }
        let inbox = try await store.signals(of: waiting)
        for id in waiting where (inbox[id]?.count ?? 0) > (seen[id] ?? 0) {
            _ = try? await store.execute(.wake, on: id, now: now)
        }
    }

    /// Counts the saves and rejections of a commit, for metrics and logs.
    private func record(_ updates: [ProcessUpdate], _ outcomes: [CommitOutcome]) -> (saved: Int, rejected: Int) {
        var (saved, rejected) = (0, 0)
        for (update, outcome) in zip(updates, outcomes) {
            switch outcome {
            case .saved:
                saved += 1
                metrics.recordSaved(update.history)
            case .rejected:
                rejected += 1
                metrics.savesRejected.increment()
                logger.warning("save rejected: the process was taken over or cancelled; its step result is dropped", metadata: [
                    "stepflow.process": "\(update.id)", "stepflow.leaseToken": "\(update.leaseToken)",
                ])
            }
        }
        return (saved, rejected)
    }

    /// Renews the leases the worker holds (claimed processes, steps in flight, results waiting for their save)
    /// every third of the lease duration, until cancelled.
    private func renewLeases(_ box: MachineBox) async {
        let lease = configuration.leaseDuration.timeInterval
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: now.addingTimeInterval(lease / 3))
                let leases = box.machine.withLock { $0.heldLeases }
                guard !leases.isEmpty else { continue }
                let held = try await store.renewLeases(leases, owner: configuration.workerID, now: now, for: configuration.leaseDuration)
                if held.count < leases.count {
                    logger.warning("leases lost while steps ran", metadata: ["stepflow.lost": "\(leases.count - held.count)"])
                }
            } catch is CancellationError {
                return
            } catch {
                storeError(error)
            }
        }
    }

    /// Purges finished processes every `retention.every`, until the worker stops.
    private func purgePeriodically(_ retention: Configuration.Retention) async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: now.addingTimeInterval(retention.every.timeInterval))
                _ = try await purgeOnce(retention)
            } catch is CancellationError {
                return
            } catch {
                storeError(error)
            }
        }
    }

    /// Deletes, batch by batch, the processes `retention` selects at the clock's current time; returns how many.
    /// Another worker purging at the same time (PostgreSQL) ends this round at once.
    @discardableResult
    public func purgeOnce(_ retention: Configuration.Retention) async throws -> Int {
        let request = PurgeRequest(
            finishedBefore: now.addingTimeInterval(-retention.olderThan.timeInterval), flowName: retention.flowName,
            statuses: retention.statuses, limit: retention.batchSize, exclusive: true
        )
        var deleted = 0
        while !Task.isCancelled {
            let batch = try await store.purge(request).count
            deleted += batch
            if batch < request.limit { break }
        }
        if deleted > 0 { logger.info("purged finished processes", metadata: ["stepflow.purged": "\(deleted)"]) }
        return deleted
    }

    /// Waits until the next due time, the idle interval, or `idle` is notified (a wake-up, a save, a stop).
    private func waitForWork(_ idle: IdleSignal) async {
        let start = now
        var latest = start.addingTimeInterval(configuration.idleInterval.timeInterval)
        do {
            if let due = try await store.nextDueDate(), due < latest { latest = due }
        } catch {
            storeError(error)
        }
        let deadline = latest
        guard deadline > start, !idle.isStopped else { return }
        let clock = self.clock
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await idle.wait() }
            _ = await group.next()
            group.cancelAll()
        }
    }
}

/// The results of steps run in child tasks, handed to the worker's loop in bunches: one event for all the steps
/// that finished while the loop was busy, rather than one per step.
private final class FinishedSteps: Sendable {
    private struct State {
        var results: [StepRunner.Finished] = []
        var signalled = false
    }

    private let state = Mutex(State())

    /// Adds a result; returns whether the loop must be told (it has not been since it last took the results).
    func add(_ result: StepRunner.Finished) -> Bool {
        state.withLock { state in
            state.results.append(result)
            defer { state.signalled = true }
            return !state.signalled
        }
    }

    /// The results added since the last call.
    func take() -> [StepRunner.Finished] {
        state.withLock { state in
            state.signalled = false
            defer { state.results.removeAll(keepingCapacity: true) }
            return state.results
        }
    }
}

/// Ends a worker's wait for work: when the state machine interrupts it (a wake-up from the store, a save that may
/// have changed the next due time), or for good when the worker stops.
///
/// A notification that arrives before the wait has begun is kept (one, not many) and ends that wait at once, so
/// none is lost between the decision to wait and the wait itself.
private final class IdleSignal: Sendable {
    private struct State {
        var stopped = false
        var pending = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// A wake-up: ends the current wait, or the next one.
    func notify() {
        let waiters = state.withLock { state in
            if state.waiters.isEmpty { state.pending = true }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops the worker: ends the current wait and every later one.
    func stop() {
        state.withLock { $0.stopped = true }
        notify()
    }

    /// Returns on a wake-up, a stop, or when the waiting task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.stopped || state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
