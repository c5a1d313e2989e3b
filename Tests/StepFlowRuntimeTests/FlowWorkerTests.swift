import Foundation
import Logging
import ServiceLifecycle
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import MetricsTestKit
import Testing

@Suite struct FlowWorkerTests {
    let clock = ManualClock()
    let store = MemoryProcessStore()

    func worker(_ registry: FlowRegistry, concurrency: Int = 1, poll: Duration = .seconds(10)) -> FlowWorker {
        FlowWorker(
            store: store, registry: registry,
            configuration: .init(workerID: "w1", concurrency: concurrency, pollInterval: poll),
            clock: clock, logger: testLogger
        )
    }

    @Test func runsAProcessToCompletionSavingEveryStep() async throws {
        let log = CallLog()
        let flow = try orderFlow(log: log)
        let client = StepFlowClient(store: store, clock: clock)
        let worker = worker(try registry(flow))
        try await client.start(flow, id: "o1", input: Order(item: "book"))

        // reserve, then the first poll (not yet) → waiting for the poll interval.
        #expect(try await worker.runUntilIdle() == 2)
        var record = try await client.process("o1")
        #expect(record.status == .waiting)
        #expect(record.state.events == ["start:order.v1/paidWaitFor"])
        #expect(record.dueAt == clock.now.addingTimeInterval(10))
        #expect(try record.decodeData(as: OrderData.self).polls == 1)
        #expect(record.attempt == 1)

        // Nothing is due before the poll interval has passed.
        clock.advance(by: .seconds(9))
        #expect(try await worker.runUntilIdle() == 0)
        clock.advance(by: .seconds(1))
        #expect(try await worker.runUntilIdle() == 1)
        clock.advance(by: .seconds(10))
        // The third poll holds; ship runs, and the flow's completion is saved with it.
        #expect(try await worker.runUntilIdle() == 2)
        record = try await client.process("o1")
        #expect(record.status == .completed)
        #expect(record.state.events == ["completed:order.v1"])
        #expect(record.dueAt == nil)
        #expect(record.lease == nil)
        let data = try record.decodeData(as: OrderData.self)
        #expect(data == OrderData(reserved: true, polls: 3, shipped: true, keys: ["o1/order.v1/reserve#0"]))
        #expect(log.all == ["reserve book o1/order.v1/reserve#0", "ship book"])

        let history = try await client.history(of: "o1")
        // The two polls that did not hold are one entry (bounded history).
        #expect(history.map(\.outcome) == [.advanced, .waiting, .advanced, .completed])
        #expect(history.map(\.sequence) == [1, 2, 4, 5])
        #expect(history.map(\.polls) == [1, 2, 1, 1])
        #expect(history.map(\.stepPath) == ["order.v1/reserve", "order.v1/paidWaitFor", "order.v1/paidWaitFor", "order.v1/ship"])
        #expect(history.last?.after.events == ["completed:order.v1"])
        #expect(history.allSatisfy { $0.worker == "w1" })
        #expect(record.stepCount == 5)
    }

    @Test func stepCanAskToBeCheckedAgainLater() async throws {
        let flow = try ProcessFlow<Order, OrderData>("requeue.v1", initialData: { _ in OrderData() }) {
            WaitFor("ready") { context in
                context.checkAgain(after: .seconds(30))
                context.data.polls += 1
                return context.data.polls == 2
            }
        }
        let client = StepFlowClient(store: store, clock: clock)
        try await client.start(flow, id: "r", input: Order(item: "x"))
        let worker = worker(try registry(flow), poll: .seconds(1))
        #expect(try await worker.runUntilIdle() == 1)
        #expect(try await client.process("r").dueAt == clock.now.addingTimeInterval(30))
        clock.advance(by: .seconds(29))
        #expect(try await worker.runUntilIdle() == 0)
        clock.advance(by: .seconds(1))
        #expect(try await worker.runUntilIdle() == 1)
        #expect(try await client.process("r").status == .completed)
    }

    @Test func perStepPollIntervalOverridesTheWorkers() async throws {
        var flow = try orderFlow(log: CallLog())
        flow.pollIntervals["order.v1/paidWaitFor"] = .seconds(2)
        let client = StepFlowClient(store: store, clock: clock)
        try await client.start(flow, id: "p", input: Order(item: "x"))
        _ = try await worker(try registry(flow)).runUntilIdle()
        #expect(try await client.process("p").dueAt == clock.now.addingTimeInterval(2))
    }

    @Test func aFailingStepFailsOnlyItsProcessAndKeepsItsState() async throws {
        let log = CallLog()
        let failShip = Flag(true)
        let flow = try orderFlow(log: log, ready: Flag(true), failShip: failShip)
        let client = StepFlowClient(store: store, clock: clock)
        try await client.start(flow, id: "bad", input: Order(item: "x"))
        let worker = worker(try registry(flow))
        _ = try await worker.runUntilIdle()
        let failed = try await client.process("bad")
        #expect(failed.status == .failed)
        #expect(failed.lastError == "step 'order.v1/ship' failed: the warehouse is on fire")
        #expect(failed.state.events == ["completed:order.v1/paidWaitFor"])
        #expect(try await client.history(of: "bad").last?.outcome == .failed)

        // Other processes carry on.
        failShip.set(false)
        try await client.start(flow, id: "good", input: Order(item: "y"))
        _ = try await worker.runUntilIdle()
        #expect(try await client.process("good").status == .completed)
        #expect(try await client.process("bad").status == .failed)

        // Resumed, the failed process continues from its saved state: ship runs, reserve does not run again.
        try await client.resume("bad")
        _ = try await worker.runUntilIdle()
        #expect(try await client.process("bad").status == .completed)
        #expect(log.all.filter { $0.hasPrefix("reserve x") }.count == 1)
    }

    @Test func unknownFlowFailsWithAReasonAndResumesOnceRegistered() async throws {
        let flow = try orderFlow(log: CallLog(), ready: Flag(true))
        let client = StepFlowClient(store: store, clock: clock)
        try await client.start(flow, id: "o", input: Order(item: "x"))
        let other = try ProcessFlow<Order, OrderData>("other.v1", initialData: { _ in OrderData() }) { Do("x") { _ in } }
        _ = try await worker(try registry(other)).runUntilIdle()
        let failed = try await client.process("o")
        #expect(failed.status == .failed)
        #expect(failed.lastError?.contains("flow 'order.v1' is not registered") == true)
        #expect(failed.state == FlowState())

        try await client.resume("o")
        _ = try await worker(try registry(other, flow)).runUntilIdle()
        #expect(try await client.process("o").status == .completed)
    }

    @Test func stateUnknownToTheFlowFailsTheProcessWithoutLosingIt() async throws {
        let flow = try orderFlow(log: CallLog(), ready: Flag(true))
        _ = try await store.create(NewProcess(
            id: "old", flowName: "order.v1", input: Data(#"{"item":"x"}"#.utf8), data: try JSONEncoder().encode(OrderData()),
            state: FlowState(events: ["start:order.v1/removedStep"]), now: clock.now
        ))
        _ = try await worker(try registry(flow)).runUntilIdle()
        let failed = try #require(await store.process("old"))
        #expect(failed.status == .failed)
        #expect(failed.state.events == ["start:order.v1/removedStep"])
        #expect(failed.lastError?.contains("is not a state of flow 'order.v1'") == true)
    }

    @Test func undecodableDataFailsTheProcessAndKeepsTheStoredBytes() async throws {
        let flow = try orderFlow(log: CallLog(), ready: Flag(true))
        _ = try await store.create(NewProcess(
            id: "d", flowName: "order.v1", input: Data(#"{"item":"x"}"#.utf8), data: Data("not json".utf8), now: clock.now
        ))
        _ = try await worker(try registry(flow)).runUntilIdle()
        let failed = try #require(await store.process("d"))
        #expect(failed.status == .failed)
        #expect(failed.lastError?.contains("the data cannot be decoded as OrderData") == true)
        #expect(failed.data == Data("not json".utf8))
    }

    @Test func cancelWhileAStepRunsRejectsItsSave() async throws {
        let entered = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let flow = try ProcessFlow<Order, OrderData>("slow.v1", initialData: { _ in OrderData() }) {
            Do("slow") { context in
                entered.continuation.yield()
                for await _ in release.stream { break }
                context.data.shipped = true
            }
        }
        let client = StepFlowClient(store: store, clock: clock)
        try await client.start(flow, id: "s", input: Order(item: "x"))
        let worker = worker(try registry(flow))
        async let round = worker.runRound()
        for await _ in entered.stream { break }
        try await client.cancel("s", reason: "changed my mind")
        release.continuation.yield()
        let result = try await round
        #expect(result == FlowWorker.Round(claimed: 1, saved: 0, rejected: 1))
        let record = try await client.process("s")
        #expect(record.status == .cancelled)
        #expect(record.lastError == "changed my mind")
        #expect(try record.decodeData(as: OrderData.self).shipped == false)
        // Only the cancellation's entry: the step's save was rejected.
        #expect(try await client.history(of: "s").map(\.outcome) == [.cancelled])
    }

    @Test func aWorkerPausedPastItsLeaseHasItsSaveRejected() async throws {
        let entered = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let paused = Flag(true)
        let flow = try ProcessFlow<Order, OrderData>("lease.v1", initialData: { _ in OrderData() }) {
            Do("slow") { context in
                if paused.isOn {
                    entered.continuation.yield()
                    for await _ in release.stream { break }
                }
                context.data.keys.append(context.idempotencyKey)
            }
        }
        let client = StepFlowClient(store: store, clock: clock)
        try await client.start(flow, id: "l", input: Order(item: "x"))
        // The stale worker's own clock does not move: like a paused (SIGSTOPped) program, it cannot renew its lease.
        let pausedClock = ManualClock(start: clock.now)
        let stale = FlowWorker(store: store, registry: try registry(flow), configuration: .init(workerID: "stale", leaseDuration: .seconds(30)), clock: pausedClock, logger: testLogger)
        let fresh = FlowWorker(store: store, registry: try registry(flow), configuration: .init(workerID: "fresh", leaseDuration: .seconds(30)), clock: clock, logger: testLogger)
        async let staleRound = stale.runRound()
        for await _ in entered.stream { break }
        // The stale worker is stuck in its step past its lease; the lease lapses and another worker takes over.
        paused.set(false)
        clock.advance(by: .seconds(31))
        #expect(try await fresh.runRound() == FlowWorker.Round(claimed: 1, saved: 1, rejected: 0))
        release.continuation.yield()
        #expect(try await staleRound == FlowWorker.Round(claimed: 1, saved: 0, rejected: 1))
        let record = try await client.process("l")
        #expect(record.status == .completed)
        let history = try await client.history(of: "l")
        #expect(history.map(\.worker) == ["fresh"])
        #expect(try record.decodeData(as: OrderData.self).keys == ["l/lease.v1/slow#0"])
    }

    @Test func concurrencyRunsSeveralStepsAtOnce() async throws {
        let gate = Gate(parties: 4)
        let flow = try ProcessFlow<Order, OrderData>("parallel.v1", initialData: { _ in OrderData() }) {
            Do("meet") { _ in await gate.arrive() }
        }
        let client = StepFlowClient(store: store, clock: clock)
        for index in 0..<4 { try await client.start(flow, id: ProcessID("p\(index)"), input: Order(item: "x")) }
        // With concurrency 4, the four steps wait for each other and all finish; with 1 they would deadlock.
        let round = try await worker(try registry(flow), concurrency: 4).runRound()
        #expect(round == FlowWorker.Round(claimed: 4, saved: 4, rejected: 0))
    }

    @Test func startAndWakeReachAnIdleWorkerAtOnceAndGracefulShutdownStopsIt() async throws {
        let ready = Flag(false)
        var flow = try orderFlow(log: CallLog(), ready: ready)
        flow.pollIntervals["order.v1/paidWaitFor"] = .seconds(3600)
        // An idle interval and a poll interval of an hour: only wake-ups can make this test finish in time.
        let worker = FlowWorker(
            store: store, registry: try registry(flow),
            configuration: .init(pollInterval: .seconds(3600), idleInterval: .seconds(3600)), logger: testLogger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
            group.addTask { try await serviceGroup.run() }
            let client = StepFlowClient(store: store)
            try await client.start(flow, id: "g", input: Order(item: "x"))
            // The first poll finds the payment missing: the process waits for an hour...
            while try await client.process("g").status != .waiting { try await Task.sleep(for: .milliseconds(5)) }
            ready.set(true)
            // ...until it is woken.
            try await client.wake("g")
            let done = try await client.waitForCompletion(of: "g", timeout: .seconds(10))
            #expect(done.status == .completed)
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test func gracefulShutdownOfABusyWorkerLeavesNoProcessLeased() async throws {
        let flow = try ProcessFlow<Order, OrderData>("busy.v1", initialData: { _ in OrderData() }) {
            for index in 0..<5 {
                Do("s\(index)") { _ in try? await Task.sleep(for: .milliseconds(1)) }
            }
        }
        let client = StepFlowClient(store: store)
        for index in 0..<40 { try await client.start(flow, id: ProcessID("b\(index)"), input: Order(item: "x")) }
        // Small batches: each save claims the next batch in the same call until the worker is told to stop.
        let worker = FlowWorker(
            store: store, registry: try registry(flow), configuration: .init(batchSize: 4, idleInterval: .seconds(3600)),
            logger: testLogger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
            group.addTask { try await serviceGroup.run() }
            while await store.history(of: "b0").count < 2 { try await Task.sleep(for: .milliseconds(1)) }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        let records = await store.processes(ProcessQuery(limit: 100))
        #expect(records.count == 40)
        #expect(records.allSatisfy { $0.lease == nil }, "\(records.filter { $0.lease != nil }.map(\.id))")
        #expect(records.contains { $0.status != .completed })
        for record in records {
            #expect(await store.history(of: record.id).count == record.stepCount)
        }
    }

    @Test func aBatchClaimedWithTheLastSaveOfAStoppingWorkerIsReleased() async throws {
        let flow = try ProcessFlow<Order, OrderData>("busy.v1", initialData: { _ in OrderData() }) {
            Do("one") { _ in }
            Do("two") { _ in }
        }
        let client = StepFlowClient(store: store)
        for index in 0..<8 { try await client.start(flow, id: ProcessID("r\(index)"), input: Order(item: "x")) }
        let stop = ShutdownTrigger()
        // The worker is told to stop while it saves its first batch and claims the next one.
        let stopping = ForwardingStore(base: store, beforeCommit: { await stop.trigger() })
        let worker = FlowWorker(
            store: stopping, registry: try registry(flow), configuration: .init(batchSize: 4, idleInterval: .seconds(3600)),
            logger: testLogger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
            await stop.set(serviceGroup)
            group.addTask { try await serviceGroup.run() }
            try await group.waitForAll()
        }
        let records = await store.processes(ProcessQuery(limit: 100))
        // Whatever the save claimed is given back: no lease is left behind by the stopped worker.
        #expect(records.allSatisfy { $0.lease == nil }, "\(records.filter { $0.lease != nil }.map(\.id))")
        // The first batch of four ran one step each and nothing ran twice. How many of the processes claimed with a
        // save ran before the worker saw the stop depends on when the stop arrives (the steps of the first batch
        // may finish, and save, one by one); those that did not run were claimed once and given back.
        #expect(records.filter { $0.stepCount == 1 }.count >= 4)
        #expect(records.allSatisfy { $0.stepCount <= 1 })
        #expect(records.filter { $0.stepCount == 0 }.allSatisfy { $0.leaseToken <= 1 })
    }

    @Test func duplicateFlowNamesAreRefused() throws {
        let flow = try orderFlow(log: CallLog())
        #expect(throws: StepFlowRuntimeError.self) { try FlowRegistry([flow, flow]) }
    }

    @Test func advanceStepsOneProcessForACallersOwnScheduler() async throws {
        let flow = try orderFlow(log: CallLog())
        let client = StepFlowClient(store: store, registry: try registry(flow), clock: clock)
        try await client.start(flow, id: "k", input: Order(item: "x"))
        #expect(try await client.advance("k") == .dueAt(clock.now))
        #expect(try await client.advance("k", defaultPollInterval: .seconds(7)) == .dueAt(clock.now.addingTimeInterval(7)))
        #expect(try await client.advance("k") == .dueAt(clock.now.addingTimeInterval(5)))
        #expect(try await client.advance("k") == .dueAt(clock.now))
        #expect(try await client.advance("k") == .completed)
        #expect(try await client.advance("k") == .completed)
        await #expect(throws: ProcessStoreError.self) { try await client.advance("missing") }
    }

    @Test func snapshotAdvanceNeedsNoStore() async throws {
        let flow = try orderFlow(log: CallLog(), ready: Flag(true))
        var snapshot = ProcessSnapshot(id: "k8s", input: Order(item: "x"), data: OrderData())
        var actions: [NextAction] = []
        repeat {
            actions.append(await flow.advance(&snapshot, now: clock.now, logger: testLogger).next)
        } while actions.last != .completed
        #expect(actions == [.dueAt(clock.now), .dueAt(clock.now), .completed])
        #expect(snapshot.data.shipped)
        #expect(snapshot.state.events == ["completed:order.v1"])
    }
}

/// Lets `parties` tasks through only once all have arrived.
actor Gate {
    private let parties: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    init(parties: Int) { self.parties = parties }
    func arrive() async {
        await withCheckedContinuation { continuation in
            waiting.append(continuation)
            if waiting.count == parties {
                for waiter in waiting { waiter.resume() }
                waiting = []
            }
        }
    }
}

@Suite struct WorkerMetricsTests {
    @Test func stepsFailuresRejectionsAndDurationsAreCounted() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let store = MemoryProcessStore()
        let failShip = Flag(false)
        let flow = try orderFlow(log: CallLog(), ready: Flag(true), failShip: failShip)
        let client = StepFlowClient(store: store, clock: clock)
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "m"),
            clock: clock, logger: testLogger, metricsFactory: metrics
        )
        try await client.start(flow, id: "ok", input: Order(item: "x"))
        try await worker.runUntilIdle()
        failShip.set(true)
        try await client.start(flow, id: "ko", input: Order(item: "y"))
        try await worker.runUntilIdle()

        func steps(_ outcome: String) -> Int64 {
            metrics.counterTotal(label: "stepflow_steps_total", dimensions: [("outcome", outcome)])
        }
        // ok: reserve, paid (true), ship + completion; ko: reserve, paid, ship fails.
        #expect(steps("advanced") == 4)
        #expect(steps("completed") == 1)
        #expect(steps("failed") == 1)
        #expect(steps("waiting") == 0)
        #expect(try metrics.expectTimer("stepflow_step_duration_seconds").values.count == 6)
    }
}

/// A helper of the user's that takes the step context: plain `async`, called from a step.
func recordVisit(_ context: StepContext<Order, OrderData>) async throws {
    context.data.keys.append("visited \(context.stepPath)")
}

@Suite struct StepContextHelperTests {
    @Test func stepsCanPassTheirContextToPlainAsyncHelpers() async throws {
        let flow = try ProcessFlow<Order, OrderData>("helper.v1", initialData: { _ in OrderData() }) {
            Do("visit") { context in try await recordVisit(context) }
        }
        var snapshot = ProcessSnapshot(id: "h", input: Order(item: "x"), data: OrderData())
        let report = await flow.advance(&snapshot, now: Date(), logger: testLogger)
        #expect(report.next == .completed)
        #expect(snapshot.data.keys == ["visited helper.v1/visit"])
    }
}

/// Triggers the graceful shutdown of a service group from inside a store call.
private actor ShutdownTrigger {
    private var group: ServiceGroup?
    func set(_ group: ServiceGroup) { self.group = group }
    /// Triggers the shutdown and gives the service group time to pass it on to its services.
    func trigger() async {
        await group?.triggerGracefulShutdown()
        try? await Task.sleep(for: .milliseconds(200))
    }
}
