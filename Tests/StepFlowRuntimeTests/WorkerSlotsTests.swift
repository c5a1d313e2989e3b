import Foundation
import ServiceLifecycle
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

/// Slots, not rounds: a step held open takes one slot, and the rest of the worker goes on.
@Suite struct WorkerSlotsTests {
    let clock = ManualClock()
    let store = MemoryProcessStore()

    /// slots.v1: three steps; the first step of `p0` waits for `release`.
    func slowFirstStepFlow(entered: AsyncStream<Void>.Continuation, release: AsyncStream<Void>) throws -> ProcessFlow<Order, OrderData> {
        try ProcessFlow<Order, OrderData>("slots.v1", initialData: { _ in OrderData() }) {
            Do("first") { context in
                if context.processID == "p0" {
                    entered.yield()
                    for await _ in release { break }
                }
                context.data.keys.append(context.idempotencyKey)
            }
            Do("second") { context in context.data.keys.append(context.idempotencyKey) }
            Do("third") { context in context.data.keys.append(context.idempotencyKey) }
        }
    }

    /// Waits until every process of `ids` has completed; fails after `limit` checks (a stalled worker).
    func waitUntilCompleted(_ ids: [ProcessID], limit: Int = 5000) async throws -> Bool {
        for _ in 0..<limit {
            var done = true
            for id in ids where await store.process(id)?.status != .completed { done = false }
            if done { return true }
            try await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    @Test(arguments: [2, 8])
    func whileOneStepIsHeldOpenTheOthersOfItsBatchAreSavedAndTheirNextStepsRun(concurrency: Int) async throws {
        let entered = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let flow = try slowFirstStepFlow(entered: entered.continuation, release: release.stream)
        let client = StepFlowClient(store: store, clock: clock)
        let ids = (0..<10).map { ProcessID("p\($0)") }
        for id in ids { try await client.start(flow, id: id, input: Order(item: "x")) }
        let worker = FlowWorker(
            store: store, registry: try registry(flow),
            configuration: .init(workerID: "w", concurrency: concurrency), clock: clock, logger: testLogger
        )
        async let saved = worker.runUntilIdle()
        for await _ in entered.stream { break }
        // p0's first step is still running: the nine others ran all three steps, each saved before the next ran.
        #expect(try await waitUntilCompleted(Array(ids.dropFirst())))
        for id in ids.dropFirst() {
            #expect(try await client.history(of: id).map(\.outcome) == [.advanced, .advanced, .completed])
        }
        let held = try await client.process("p0")
        #expect(held.stepCount == 0)
        #expect(held.lease?.owner == "w")
        release.continuation.yield()
        #expect(try await saved == 30)
        let p0 = try await client.process("p0")
        #expect(p0.status == .completed)
        #expect(try p0.decodeData(as: OrderData.self).keys == ["p0/slots.v1/first#0", "p0/slots.v1/second#1", "p0/slots.v1/third#2"])
    }

    @Test func aServiceWorkerSavesFastProcessesWhileOneStepIsHeldOpenAndFinishesItOnShutdown() async throws {
        let entered = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let flow = try slowFirstStepFlow(entered: entered.continuation, release: release.stream)
        let client = StepFlowClient(store: store)
        let worker = FlowWorker(
            store: store, registry: try registry(flow),
            configuration: .init(workerID: "w", concurrency: 4, idleInterval: .seconds(3600)), logger: testLogger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            let serviceGroup = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
            group.addTask { try await serviceGroup.run() }
            try await client.start(flow, id: "p0", input: Order(item: "x"))
            for await _ in entered.stream { break }
            // Started while p0's step is held open: they reach the worker by wake-ups and run in the free slots.
            let fast = (1..<20).map { ProcessID("p\($0)") }
            for id in fast { try await client.start(flow, id: id, input: Order(item: "x")) }
            #expect(try await waitUntilCompleted(fast))
            await serviceGroup.triggerGracefulShutdown()
            release.continuation.yield()
            try await group.waitForAll()
        }
        // The step in flight at shutdown was saved; nothing is left leased.
        let p0 = try await client.process("p0")
        #expect(p0.stepCount == 1)
        #expect(p0.lease == nil)
    }

    @Test func theLeaseOfAStepHeldOpenIsRenewedWhileTheOthersRun() async throws {
        let entered = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let flow = try slowFirstStepFlow(entered: entered.continuation, release: release.stream)
        let client = StepFlowClient(store: store, clock: clock)
        for index in 0..<3 { try await client.start(flow, id: ProcessID("p\(index)"), input: Order(item: "x")) }
        let worker = FlowWorker(
            store: store, registry: try registry(flow),
            configuration: .init(workerID: "w", concurrency: 2, leaseDuration: .seconds(30)), clock: clock, logger: testLogger
        )
        async let saved = worker.runUntilIdle()
        for await _ in entered.stream { break }
        let claimedUntil = try #require(try await client.process("p0").lease?.expiresAt)
        // Each advance passes a third of the lease: the worker renews it, from the clock's new time.
        var renewed = false
        for _ in 0..<2000 where !renewed {
            clock.advance(by: .seconds(11))
            try await Task.sleep(for: .milliseconds(1))
            let lease = try await client.process("p0").lease
            renewed = lease.map { $0.owner == "w" && $0.expiresAt > claimedUntil } ?? false
        }
        #expect(renewed)
        release.continuation.yield()
        #expect(try await saved == 9)
        #expect(try await client.history(of: "p0").map(\.worker) == ["w", "w", "w"])
    }
}
