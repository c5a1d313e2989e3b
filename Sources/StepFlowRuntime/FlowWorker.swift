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
/// One round claims up to ``Configuration/batchSize`` due processes in one store transaction, runs their next
/// steps — one at a time with `concurrency: 1` (a single task drives every process), up to N at once otherwise —
/// and saves all results in one transaction (group commit); while work is due, that same transaction claims
/// the next round's processes (``ProcessStore/commit(_:thenClaim:)``), so a round costs one commit. A process's
/// next step never runs before its previous step is saved: it is not claimable again until the save releases
/// it, and the steps of a claim run only once the transaction that made it is committed. When nothing is due the
/// worker sleeps until the next due time, the idle interval, or a wake-up from the store (start, wake,
/// resume), whichever comes first.
///
/// Steps run at least once: a crash between a step's side effect and its save repeats the step after the lease
/// lapses. Use ``StepContext/idempotencyKey`` to make external calls safe to repeat.
///
/// On graceful shutdown the worker stops claiming, lets the steps in flight finish and saves them.
public struct FlowWorker: Service {
    /// How a worker behaves.
    public struct Configuration: Sendable {
        /// The worker's identifier, written into leases and history.
        public var workerID: String
        /// How many steps run at once (1: one task drives every process).
        public var concurrency: Int
        /// The most processes claimed (and saved) in one round.
        public var batchSize: Int
        /// How long until a `WaitFor` that is not yet true is checked again, unless the flow or step says otherwise.
        public var pollInterval: Duration
        /// The longest the worker sleeps when nothing is due, to notice processes made due by other programs.
        public var idleInterval: Duration
        /// How long a claim lasts; it is renewed while a round runs longer than a third of it.
        public var leaseDuration: Duration
        /// The first delay after a store error; it doubles up to ``maxErrorBackoff``.
        public var errorBackoff: Duration
        /// The longest delay after repeated store errors.
        public var maxErrorBackoff: Duration

        /// A configuration; every value has a default.
        public init(
            workerID: String = FlowWorker.defaultWorkerID(),
            concurrency: Int = 1,
            batchSize: Int = 256,
            pollInterval: Duration = .seconds(5),
            idleInterval: Duration = .seconds(1),
            leaseDuration: Duration = .seconds(60),
            errorBackoff: Duration = .milliseconds(100),
            maxErrorBackoff: Duration = .seconds(10)
        ) {
            self.workerID = workerID
            self.concurrency = max(1, concurrency)
            self.batchSize = max(1, batchSize)
            self.pollInterval = pollInterval
            self.idleInterval = idleInterval
            self.leaseDuration = leaseDuration
            self.errorBackoff = errorBackoff
            self.maxErrorBackoff = maxErrorBackoff
        }
    }

    /// What one round did.
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

    /// Runs rounds until graceful shutdown or cancellation.
    public func run() async throws {
        let signal = IdleSignal()
        let wakeUps = store.wakeUps()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One subscription for the whole run: every wake-up from the store ends the current idle wait
            // (or the next one, if none is in progress). A store whose stream ends just never wakes the worker.
            group.addTask {
                for await _ in wakeUps { signal.notify() }
            }
            defer { group.cancelAll() }
            try await withGracefulShutdownHandler {
                try await runLoop(signal: signal)
            } onGracefulShutdown: {
                signal.stop()
            }
        }
    }

    /// Runs rounds until no process is due at the clock's current time; returns the number of steps saved.
    ///
    /// Useful for tools and tests that drive a worker with a manual clock.
    @discardableResult
    public func runUntilIdle() async throws -> Int {
        var saved = 0
        try await serverClock.synchronizeIfDue(with: store)
        var claimed = try await store.claim(claimRequest(now: clock.now))
        while !claimed.isEmpty {
            let round = try await runSteps(of: claimed, thenClaim: true)
            saved += round.round.saved
            claimed = round.next
        }
        return saved
    }

    private func runLoop(signal: IdleSignal) async throws {
        logger.info("worker started", metadata: [
            "stepflow.concurrency": "\(configuration.concurrency)", "stepflow.flows": "\(registry.names)",
        ])
        var backoff = configuration.errorBackoff
        var lastBacklogCheck = Date.distantPast
        // The processes claimed with the last save, to run next (`nil`: claim first).
        var claimed: [ClaimedProcess]? = nil
        while !signal.isStopped, !Task.isCancelled {
            do {
                try await serverClock.synchronizeIfDue(with: store)
                if clock.now.timeIntervalSince(lastBacklogCheck) >= 1 {
                    lastBacklogCheck = clock.now
                    metrics.dueBacklog.record(try await store.dueCount(now: lastBacklogCheck))
                }
                let batch: [ClaimedProcess]
                if let claimedWithSave = claimed {
                    batch = claimedWithSave
                } else {
                    batch = try await store.claim(claimRequest(now: clock.now))
                }
                claimed = nil
                if batch.isEmpty {
                    try await idle(signal: signal)
                    continue
                }
                // The save of this round claims the next one in the same transaction, unless the worker is stopping.
                claimed = try await runSteps(of: batch, thenClaim: !signal.isStopped).next
                backoff = configuration.errorBackoff
            } catch is CancellationError {
                break
            } catch {
                metrics.storeErrors.increment()
                logger.error("store error; retrying", metadata: [
                    "stepflow.error": "\(error)", "stepflow.backoff": "\(backoff)",
                ])
                try? await clock.sleep(until: clock.now.addingTimeInterval(backoff.timeInterval))
                backoff = min(backoff * 2, configuration.maxErrorBackoff)
            }
        }
        if let claimed, !claimed.isEmpty {
            // Claimed with the last save while the worker was being stopped: given back, due at once.
            let tokens = claimed.map { ProcessLeaseToken(id: $0.id, token: $0.leaseToken) }
            try? await store.releaseLeases(tokens, owner: configuration.workerID, now: clock.now)
        }
        logger.info("worker stopped")
    }

    /// Waits until the next due time, the idle interval, a wake-up or a stop, whichever comes first.
    private func idle(signal: IdleSignal) async throws {
        let now = clock.now
        var latest = now.addingTimeInterval(configuration.idleInterval.timeInterval)
        if let due = try await store.nextDueDate(), due < latest { latest = due }
        let deadline = latest
        guard deadline > now, !signal.isStopped else { return }
        let clock = self.clock
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await signal.wait() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Claims one batch of due processes, runs their next steps and saves the results.
    public func runRound() async throws -> Round {
        try await serverClock.synchronizeIfDue(with: store)
        let claimed = try await store.claim(claimRequest(now: clock.now))
        if claimed.isEmpty { return Round(claimed: 0, saved: 0, rejected: 0) }
        return try await runSteps(of: claimed, thenClaim: false).round
    }

    /// A request for the next batch of due processes.
    private func claimRequest(now: Date) -> ClaimRequest {
        ClaimRequest(
            owner: configuration.workerID, now: now, leaseDuration: configuration.leaseDuration,
            limit: configuration.batchSize
        )
    }

    /// Runs the next steps of `claimed` and saves the results in one transaction; when `thenClaim` is true once
    /// the steps have run, the same transaction claims the next batch (returned in `next`), whose steps the caller
    /// runs once this returns, after the save is committed.
    private func runSteps(
        of claimed: [ClaimedProcess], thenClaim: @autoclosure () -> Bool
    ) async throws -> (round: Round, next: [ClaimedProcess]) {
        let inbox = try await signals(of: claimed)
        let updates = await withLeasesRenewed(claimed) {
            await runSteps(claimed, inbox: inbox)
        }
        let outcomes: [CommitOutcome]
        var next: [ClaimedProcess] = []
        if thenClaim() {
            (outcomes, next) = try await store.commit(updates, thenClaim: claimRequest(now: clock.now))
        } else {
            outcomes = try await store.commit(updates)
        }
        try await wakeForSignalsReceivedWhileHeld(claimed, updates, outcomes, seen: inbox)
        return (record(updates, outcomes, claimed: claimed.count), next)
    }

    /// Wakes the processes of the round that now wait and whose inbox grew while the worker held them.
    ///
    /// A signal sent to a process that a worker holds is only stored (the store does not move the due time under
    /// a lease), and the step that ran may have looked at the inbox before the signal came. Once the round is saved
    /// (and the leases are given back), the worker reads the inboxes of those processes again; one that got a signal
    /// meanwhile is made due now, instead of waiting for its `signalRecheckInterval`. A signal sent after the save
    /// wakes the process by itself.
    private func wakeForSignalsReceivedWhileHeld(
        _ claimed: [ClaimedProcess], _ updates: [ProcessUpdate], _ outcomes: [CommitOutcome],
        seen: [ProcessID: [ProcessSignal]]
    ) async throws {
        var waiting: [ProcessID] = []
        for (process, (update, outcome)) in zip(claimed, zip(updates, outcomes)) {
            guard outcome == .saved, update.status == .waiting, case let .success(record) = process.record,
                registry.flow(named: record.flowName)?.awaitedSignals.isEmpty == false
            else { continue }
            waiting.append(process.id)
        }
        guard !waiting.isEmpty else { return }
        let now = try await store.signals(of: waiting)
        for id in waiting where (now[id]?.count ?? 0) > (seen[id]?.count ?? 0) {
            _ = try? await store.execute(.wake, on: id, now: clock.now)
        }
    }

    /// Counts the saves and rejections of a round, for metrics and logs.
    private func record(_ updates: [ProcessUpdate], _ outcomes: [CommitOutcome], claimed: Int) -> Round {
        var round = Round(claimed: claimed, saved: 0, rejected: 0)
        for (update, outcome) in zip(updates, outcomes) {
            switch outcome {
            case .saved:
                round.saved += 1
                metrics.recordSaved(update.history)
            case .rejected:
                round.rejected += 1
                metrics.savesRejected.increment()
                logger.warning("save rejected: the process was taken over or cancelled; its step result is dropped", metadata: [
                    "stepflow.process": "\(update.id)", "stepflow.leaseToken": "\(update.leaseToken)",
                ])
            }
        }
        return round
    }

    /// Runs `body` while a child task renews the leases of `claimed` every third of the lease duration.
    private func withLeasesRenewed<T: Sendable>(
        _ claimed: [ClaimedProcess], _ body: () async -> T
    ) async -> T {
        let tokens = claimed.map { ProcessLeaseToken(id: $0.id, token: $0.leaseToken) }
        let (store, clock, owner, lease, logger) = (store, clock, configuration.workerID, configuration.leaseDuration, logger)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await clock.sleep(until: clock.now.addingTimeInterval(lease.timeInterval / 3))
                        let held = try await store.renewLeases(tokens, owner: owner, now: clock.now, for: lease)
                        if held.count < tokens.count {
                            logger.warning("leases lost while steps ran", metadata: ["stepflow.lost": "\(tokens.count - held.count)"])
                        }
                    } catch {
                        return
                    }
                }
            }
            let result = await body()
            group.cancelAll()
            return result
        }
    }

    /// The signals of the claimed processes whose flows use them (one store read per round, none when no flow
    /// of the batch has timers, signals or compensations).
    private func signals(of claimed: [ClaimedProcess]) async throws -> [ProcessID: [ProcessSignal]] {
        let ids = claimed.compactMap { process -> ProcessID? in
            guard case let .success(record) = process.record, registry.flow(named: record.flowName)?.isExtended == true else { return nil }
            return process.id
        }
        return ids.isEmpty ? [:] : try await store.signals(of: ids)
    }

    /// Runs the next step of each claimed process, at most `concurrency` at once; results are in claim order.
    private func runSteps(_ claimed: [ClaimedProcess], inbox: [ProcessID: [ProcessSignal]]) async -> [ProcessUpdate] {
        if configuration.concurrency == 1 || claimed.count == 1 {
            var updates: [ProcessUpdate] = []
            updates.reserveCapacity(claimed.count)
            for process in claimed { updates.append(await runStep(process, signals: inbox[process.id] ?? [])) }
            return updates
        }
        return await withTaskGroup(of: (Int, ProcessUpdate).self) { group in
            var updates = [ProcessUpdate?](repeating: nil, count: claimed.count)
            var next = 0
            while next < min(configuration.concurrency, claimed.count) {
                let index = next
                group.addTask { (index, await runStep(claimed[index], signals: inbox[claimed[index].id] ?? [])) }
                next += 1
            }
            while let (index, update) = await group.next() {
                updates[index] = update
                if next < claimed.count {
                    let index = next
                    group.addTask { (index, await runStep(claimed[index], signals: inbox[claimed[index].id] ?? [])) }
                    next += 1
                }
            }
            return updates.map { $0! }
        }
    }

    /// Runs the next step of one claimed process and returns the update to save.
    private func runStep(_ claimed: ClaimedProcess, signals: [ProcessSignal]) async -> ProcessUpdate {
        let now = clock.now
        let record: ProcessRecord
        switch claimed.record {
        case let .success(value):
            record = value
        case let .failure(error):
            logger.error("process record cannot be read; failing it", metadata: [
                "stepflow.process": "\(claimed.id)", "stepflow.error": "\(error)",
            ])
            return .failingUnreadable(claimed.id, leaseToken: claimed.leaseToken, reason: error.message, now: now)
        }
        guard let flow = registry.flow(named: record.flowName) else {
            let reason = "flow '\(record.flowName)' is not registered with this worker (it knows \(registry.names)); "
                + "register it and resume the process"
            logger.error("unknown flow; failing process", metadata: ["stepflow.process": "\(record.id)", "stepflow.flow": "\(record.flowName)"])
            return .failing(record.id, leaseToken: claimed.leaseToken, stepCount: record.stepCount, state: record.state,
                            reason: reason, now: now, worker: configuration.workerID)
        }
        return await flow.advance(
            record, leaseToken: claimed.leaseToken, now: now, worker: configuration.workerID,
            defaultPollInterval: configuration.pollInterval, signals: signals, logger: logger
        )
    }
}

/// Ends a worker's idle wait: on a wake-up from the store, or for good when the worker stops.
///
/// A wake-up that arrives while the worker is busy is kept (one, not many) and ends the next wait at once,
/// so none is lost between a round's claim and the wait that follows it.
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
