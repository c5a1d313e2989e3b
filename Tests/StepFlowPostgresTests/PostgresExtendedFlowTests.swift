import Foundation
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import StepFlowTesting
import Synchronization
import Testing

/// A flow with a durable sleep, a signal, parallel branches and a compensation, run by a worker on the
/// PostgreSQL store (the server's and the worker's time driven by the test, so nothing sleeps).
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresExtendedFlowTests {
    struct Input: Codable, Sendable {}
    struct Log: Codable, Sendable { var entries: [String] = [] }
    struct Go: Codable, Sendable { var by: String }
    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

    static func flow() throws -> ProcessFlow<Input, Log> {
        try ProcessFlow<Input, Log>("pgsaga.v1", initialData: { _ in Log() }) {
            Do("open", { context in context.data.entries.append("open") }, compensate: { context in context.data.entries.append("close") })
            Sleep("coolDown", for: .minutes(30))
            AwaitSignal("go", as: Go.self)
            Parallel("regions") {
                Branch("eu") { Do("deploy") { context in context.data.entries.append("eu by \(try context.signal("go", as: Go.self)?.by ?? "?")") } }
                Branch("us") { Do("deploy") { context in context.data.entries.append("us") } }
            }
            Do("finish") { _ in throw Boom() }
        }
    }

    @Test func sleepSignalBranchesAndCompensationOnPostgres() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            var time = try await TestTime(store, in: session, start: Date(timeIntervalSince1970: 1_767_225_600))
            let clock = time.machine(.zero)
            let flow = try Self.flow()
            let registry = try FlowRegistry([flow])
            let client = StepFlowClient(store: store, registry: registry, clock: clock)
            let worker = FlowWorker(
                store: store, registry: registry, configuration: .init(workerID: "pg"), clock: clock, logger: TestDatabase.logger
            )
            try await client.start(flow, id: "p", input: Input())
            #expect(try await worker.runUntilIdle() == 1)
            var record = try await client.process("p")
            #expect(record.dueAt == clock.now.addingTimeInterval(1800))
            #expect(record.state.events.count == 3)  // the sleep, its wake-up time, the compensable step done

            try await time.advance(by: .seconds(1800))
            #expect(try await worker.runUntilIdle() == 1)  // the timer fires; then only a signal can help
            record = try await client.process("p")
            #expect(record.status == .waiting)
            #expect(flow.nextStepPath(in: record.state) == "pgsaga.v1/goAwaitSignal")

            try await client.signal("p", "go", Go(by: "alice"))
            #expect(try await client.process("p").dueAt! <= clock.now)
            // The signal, the two branches, the failure, the compensation.
            #expect(try await worker.runUntilIdle() == 5)
            record = try await client.process("p")
            #expect(record.status == .failed)
            #expect(record.state.events == ["failed:pgsaga.v1"])
            #expect(record.lastError == "step 'pgsaga.v1/finish' failed: boom (compensated)")
            #expect(try record.decodeData(as: Log.self).entries == ["open", "eu by alice", "us", "close"])
            let history = try await store.history(of: "p")
            #expect(history.map(\.outcome) == [.advanced, .advanced, .advanced, .advanced, .advanced, .compensating, .compensated])
            #expect(try await store.signals(of: ["p"])["p"]?.map(\.name) == ["go"])
        }
    }
}
