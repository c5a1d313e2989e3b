import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

/// An operator's tools through the client, with a worker on the memory store: pause, labels, bulk actions, purge and
/// retention.
@Suite struct OperationsTests {
    let clock = ManualClock()
    let store = MemoryProcessStore()

    func worker(_ registry: FlowRegistry, retention: FlowWorker.Configuration.Retention? = nil) -> FlowWorker {
        FlowWorker(
            store: store, registry: registry,
            configuration: .init(workerID: "w1", pollInterval: .seconds(10), retention: retention),
            clock: clock, logger: testLogger
        )
    }

    @Test func aPausedProcessIsNotRunUntilItIsUnpaused() async throws {
        let log = CallLog()
        let flow = try orderFlow(log: log, ready: Flag(true))
        let client = StepFlowClient(store: store, registry: try registry(flow), clock: clock)
        let worker = worker(try registry(flow))
        try await client.start(flow, id: "o2", input: Order(item: "lamp"))
        let paused = try await client.pause("o2", reason: "supplier incident", by: "alice")
        #expect(paused.status == .paused)
        clock.advance(by: .seconds(60))
        #expect(try await worker.runUntilIdle() == 0)
        #expect(try await client.process("o2").stepCount == 0)
        #expect(log.all.filter { $0.contains("lamp") }.isEmpty)

        await #expect(throws: ProcessStoreError.self) { try await client.wake("o2") }
        await #expect(throws: ProcessStoreError.self) { try await client.resume("o2") }

        _ = try await client.unpause("o2", by: "bob")
        _ = try await worker.runUntilIdle()
        let done = try await client.process("o2")
        #expect(done.status == .completed)
        let history = try await client.history(of: "o2")
        #expect(history.prefix(2).map(\.outcome) == [.paused, .unpaused])
        #expect(history.first?.reason == "supplier incident")
        #expect(history.first?.worker == "alice")
        #expect(history.dropFirst().first?.worker == "bob")
    }

    @Test func startAndSetLabelsRefuseBadLabelsAndStoreNothing() async throws {
        let flow = try orderFlow(log: CallLog())
        let client = StepFlowClient(store: store, clock: clock)
        let started = try await client.start(flow, id: "o1", input: Order(item: "a"), labels: ["team": "payments", "env": "prod"])
        #expect(started.labels == ["team": "payments", "env": "prod"])
        for labels: [String: String] in [["Team": "x"], ["team": String(repeating: "x", count: 257)], ["": "x"]] {
            do {
                _ = try await client.start(flow, id: "bad", input: Order(item: "a"), labels: labels)
                Issue.record("\(labels) should be refused")
            } catch let error as ProcessStoreError {
                #expect(error.code == .invalidInput)
                #expect(error.message.contains("label"), "\(error.message)")
            }
            await #expect(throws: ProcessStoreError.self) { try await client.setLabels("o1", labels) }
        }
        #expect(await store.process("bad") == nil)
        #expect(try await client.process("o1").labels == ["team": "payments", "env": "prod"])
        let relabelled = try await client.setLabels("o1", ["team": "search"], by: "carol")
        #expect(relabelled.labels == ["team": "search"])
        #expect(try await client.history(of: "o1").last?.outcome == .labelled)
        #expect(try await client.list(ProcessQuery(labels: ["team": "search"])).map(\.id) == ["o1"])
    }

    @Test func bulkActsInBatchesAndCountsWhatItSkips() async throws {
        let flow = try orderFlow(log: CallLog())
        let client = StepFlowClient(store: store, registry: try registry(flow), clock: clock)
        for index in 0..<10 {
            try await client.start(flow, id: ProcessID("o\(index)"), input: Order(item: "a"), labels: ["batch": index < 8 ? "x" : "y"])
        }
        for index in 0..<3 { try await client.cancel(ProcessID("o\(index)"), reason: "setup") }

        let paused = try await client.bulk(.pause(reason: "freeze"), matching: ProcessQuery(labels: ["batch": "x"]), by: "ops", batchSize: 2)
        #expect(paused == BulkResult(matched: 8, acted: 5, skipped: ["already finished": 3]))
        #expect(try await client.list(ProcessQuery(statuses: [.paused])).map(\.id) == ["o3", "o4", "o5", "o6", "o7"])
        let again = try await client.bulk(.pause(reason: "freeze"), matching: ProcessQuery(labels: ["batch": "x"]))
        #expect(again.acted == 0)
        #expect(again.skipped == ["already finished": 3, "already paused": 5])

        let woken = try await client.bulk(.wake, matching: ProcessQuery(statuses: [.paused]))
        #expect(woken == BulkResult(matched: 5, acted: 0, skipped: ["paused": 5]))
        let unpaused = try await client.bulk(.unpause, matching: ProcessQuery(), batchSize: 3)
        #expect(unpaused == BulkResult(matched: 10, acted: 5, skipped: ["not paused": 5]))
        let cancelled = try await client.bulk(.cancel(reason: "done"), matching: ProcessQuery(idPrefix: "o"))
        #expect(cancelled.acted == 7)
        #expect(try await client.history(of: "o9").last?.worker == "client")
        await #expect(throws: ProcessStoreError.self) { try await client.bulk(.wake, matching: ProcessQuery(), batchSize: 0) }
    }

    @Test func purgeDeletesOnlyOldFinishedProcessesAndRetentionRunsIt() async throws {
        let flow = try orderFlow(log: CallLog(), ready: Flag(true))
        let client = StepFlowClient(store: store, registry: try registry(flow), clock: clock)
        let worker = worker(try registry(flow), retention: .init(olderThan: .seconds(3600), every: .seconds(60), batchSize: 2))
        for index in 0..<5 { try await client.start(flow, id: ProcessID("done\(index)"), input: Order(item: "a")) }
        _ = try await worker.runUntilIdle()
        try await client.start(flow, id: "paused", input: Order(item: "a"))
        _ = try await client.pause("paused", reason: "hold")
        clock.advance(by: .seconds(7200))
        try await client.start(flow, id: "new", input: Order(item: "a"))

        let preview = try await client.purge(finishedBefore: clock.now.addingTimeInterval(-3600), dryRun: true)
        #expect(preview.deleted == 5)
        #expect(preview.dryRun)
        #expect(await store.process("done0") != nil)
        await #expect(throws: ProcessStoreError.self) {
            try await client.purge(finishedBefore: clock.now, statuses: [.paused])
        }
        #expect(try await worker.purgeOnce(.init(olderThan: .seconds(3600), batchSize: 2)) == 5)
        #expect(try await client.list().map(\.id) == ["new", "paused"])
        #expect(try await client.history(of: "done0").isEmpty)
        let none = try await client.purge(finishedBefore: clock.now)
        #expect(none.deleted == 0)
    }
}
