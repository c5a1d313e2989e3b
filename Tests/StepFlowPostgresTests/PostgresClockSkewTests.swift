import Foundation
import Logging
import MetricsTestKit
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import StepFlowTesting
import Synchronization
import Testing

/// Workers and clients whose clocks disagree by a day or an hour share one PostgreSQL store: the server's clock
/// decides what is due and when leases lapse, and steps see the server's time.
///
/// Two kinds of checks:
/// - on the server's real clock: what a skewed machine writes is compared with the server's `now_ms()` read just
///   before and after (a skew of hours cannot hide in that window), and leases and due processes are decided at once;
/// - on a pinned server clock (``TestTime``): the test cannot move the real server's clock, so the schema's
///   `now_ms()` reads a value the test sets, and the test lets ten minutes or a day pass on the server and on every
///   machine together. The store's statements are the production ones; only their source of time is replaced.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresClockSkewTests {
    struct Input: Codable, Sendable {}
    struct Log: Codable, Sendable { var entries: [String] = [] }
    struct Approval: Codable, Sendable { var by: String }

    /// The skews of the issue: a day and an hour, ahead and behind.
    static let offsets: [Duration] = [.seconds(25 * 3600), .seconds(3600), .seconds(-3600), .seconds(-25 * 3600)]
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    static func oneStep() throws -> ProcessFlow<Input, Log> {
        try ProcessFlow<Input, Log>("once.v1", initialData: { _ in Log() }) {
            Do("work") { context in context.data.entries.append("done") }
        }
    }

    static func nap() throws -> ProcessFlow<Input, Log> {
        try ProcessFlow<Input, Log>("nap.v1", initialData: { _ in Log() }) {
            Sleep("nap", for: .minutes(10))
            Do("wake") { context in context.data.entries.append("awake") }
        }
    }

    static func approval() throws -> ProcessFlow<Input, Log> {
        try ProcessFlow<Input, Log>("approval.v1", initialData: { _ in Log() }) {
            AwaitSignal("approval", as: Approval.self, timeout: .seconds(24 * 3600))
            Do("deploy") { context in context.data.entries.append("deployed") }
        }
    }

    func worker(_ store: any ProcessStore, _ registry: FlowRegistry, _ clock: any RuntimeClock, _ id: String) -> FlowWorker {
        FlowWorker(store: store, registry: registry, configuration: .init(workerID: id), clock: clock, logger: TestDatabase.logger)
    }

    // MARK: - On the server's real clock

    @Test func processStartedByASkewedClientIsDueAtOnceForAnyWorker() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let flow = try Self.oneStep()
            let registry = try FlowRegistry([flow])
            for (index, offset) in Self.offsets.enumerated() {
                let client = StepFlowClient(store: store, registry: registry, clock: SkewedClock(base: SystemClock(), offset: offset))
                let before = try #require(try await store.serverTime())
                let record = try await client.start(flow, id: ProcessID("p\(index)"), input: Input())
                let after = try #require(try await store.serverTime())
                let due = try #require(record.dueAt)
                #expect(due >= before && due <= after, "client at \(offset): due \(due), server between \(before) and \(after)")
                #expect(record.createdAt >= before && record.createdAt <= after)

                let other = Self.offsets[(index + 2) % Self.offsets.count]
                let worker = worker(store, registry, SkewedClock(base: SystemClock(), offset: other), "w\(index)")
                #expect(try await worker.runRound().saved == 1, "a worker at \(other) did not run a process started at \(offset)")
                #expect(try await client.process(ProcessID("p\(index)")).status == .completed)
            }
        }
    }

    @Test func noProcessIsTakenFromAWorkerThatHoldsAValidLease() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            var case_ = 0
            for holder in Self.offsets {
                for taker in Self.offsets where taker != holder {
                    case_ += 1
                    let gate = Gate()
                    let flow = try ProcessFlow<Input, Log>("hold\(case_).v1", initialData: { _ in Log() }) {
                        Do("hold") { context in
                            await gate.enter()
                            context.data.entries.append("held")
                        }
                    }
                    let registry = try FlowRegistry([flow])
                    let client = StepFlowClient(store: store, registry: registry)
                    try await client.start(flow, id: ProcessID("p\(case_)"), input: Input())
                    let first = worker(store, registry, SkewedClock(base: SystemClock(), offset: holder), "holder\(case_)")
                    let second = worker(store, registry, SkewedClock(base: SystemClock(), offset: taker), "taker\(case_)")
                    let held = Task { try await first.runRound() }
                    await gate.waitUntilEntered()
                    #expect(try await second.runRound().claimed == 0, "a worker at \(taker) took a process held by one at \(holder)")
                    gate.open()
                    let round = try await held.value
                    #expect(round.saved == 1 && round.rejected == 0)
                }
            }
        }
    }

    @Test func sleepIsDueTenMinutesAfterTheServersTimeWhoeverStartsIt() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let flow = try Self.nap()
            let registry = try FlowRegistry([flow])
            let client = StepFlowClient(store: store, registry: registry)
            for (index, offset) in Self.offsets.enumerated() {
                try await client.start(flow, id: ProcessID("p\(index)"), input: Input())
                let worker = worker(store, registry, SkewedClock(base: SystemClock(), offset: offset), "w\(index)")
                let before = try #require(try await store.serverTime())
                #expect(try await worker.runRound().saved == 1)
                let after = try #require(try await store.serverTime())
                let record = try await client.process(ProcessID("p\(index)"))
                #expect(record.status == .waiting)
                let due = try #require(record.dueAt)
                // The step's time lies between the two readings (to the millisecond the store keeps).
                #expect(due >= before.addingTimeInterval(600 - 0.002) && due <= after.addingTimeInterval(600 + 0.002),
                        "worker at \(offset): due \(due), server between \(before) and \(after)")
            }
        }
    }

    @Test func awaitSignalTimeoutOfADayDoesNotFireOnASkewedWorker() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let flow = try Self.approval()
            let registry = try FlowRegistry([flow])
            let client = StepFlowClient(store: store, registry: registry, clock: SkewedClock(base: SystemClock(), offset: Self.offsets[1]))
            try await client.start(flow, id: "app", input: Input())
            for (index, offset) in Self.offsets.enumerated() {
                let worker = worker(store, registry, SkewedClock(base: SystemClock(), offset: offset), "w\(index)")
                _ = try await client.wake("app")
                #expect(try await worker.runRound().saved == 1)
                let record = try await client.process("app")
                #expect(record.status == .waiting, "a worker at \(offset) ended the wait: \(record.lastError ?? "")")
            }
        }
    }

    @Test func skewBeyondTheToleranceIsMeasuredAndWarned() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let time = try await TestTime(store, in: session, start: Self.start)
            let logs = CapturedLogs()
            for offset in Self.offsets + [.seconds(3)] {
                let metrics = TestMetrics()
                let clock = ServerAlignedClock(base: time.machine(offset), logger: logs.logger, metricsFactory: metrics)
                #expect(clock.skew == nil)
                #expect(clock.now == time.manual.now.addingTimeInterval(offset.timeInterval))
                try await clock.synchronize(with: store)
                #expect(clock.skew == offset)
                // The gauge an operator alerts on: local minus server, in seconds.
                let gauge = try metrics.expectGauge("stepflow_clock_skew_seconds")
                #expect(gauge.lastValue == offset.timeInterval, "offset \(offset)")
                #expect(clock.now == Self.start)
                let warned = logs.messages.contains { $0.level == .warning && $0.message.contains("differs from the store server's") }
                #expect(warned == (offset > .seconds(5) || offset < .seconds(-5)), "offset \(offset): \(logs.messages)")
                logs.clear()
            }
            let memory = ServerAlignedClock(base: time.machine(.seconds(3600)), logger: logs.logger)
            try await memory.synchronize(with: MemoryProcessStore())
            #expect(memory.skew == nil)
            #expect(memory.now == time.manual.now.addingTimeInterval(3600))
        }
    }

    // MARK: - On a pinned server clock

    @Test func tenMinuteSleepFiresAfterTenMinutesOfServerTimeWhicheverWorkerRunsIt() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            var time = try await TestTime(store, in: session, start: Self.start)
            let flow = try Self.nap()
            let registry = try FlowRegistry([flow])
            for (index, offset) in Self.offsets.enumerated() {
                let id = ProcessID("p\(index)")
                let client = StepFlowClient(store: store, registry: registry, clock: time.machine(Self.offsets[(index + 3) % 4]))
                try await client.start(flow, id: id, input: Input())
                let starter = worker(store, registry, time.machine(offset), "s\(index)")
                #expect(try await starter.runUntilIdle() == 1)
                #expect(try await client.process(id).dueAt == time.serverNow.addingTimeInterval(600))

                let firerOffset = Self.offsets[(index + 1) % 4]
                let firer = worker(store, registry, time.machine(firerOffset), "f\(index)")
                try await time.advance(by: .seconds(599))
                #expect(try await firer.runUntilIdle() == 0, "fired early on a worker at \(firerOffset)")
                try await time.advance(by: .seconds(1))
                #expect(try await firer.runUntilIdle() >= 1, "did not fire after ten minutes on a worker at \(firerOffset)")
                let record = try await client.process(id)
                #expect(record.status == .completed)
                #expect(try record.decodeData(as: Log.self).entries == ["awake"])
            }
        }
    }

    @Test func dayLongAwaitSignalTimeoutFiresAfterADayOfServerTimeOnly() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            var time = try await TestTime(store, in: session, start: Self.start)
            let flow = try Self.approval()
            let registry = try FlowRegistry([flow])
            let client = StepFlowClient(store: store, registry: registry, clock: time.machine(Self.offsets[0]))
            try await client.start(flow, id: "app", input: Input())
            let workers = Self.offsets.enumerated().map { worker(store, registry, time.machine($0.element), "w\($0.offset)") }
            #expect(try await workers[0].runUntilIdle() == 1)
            // An hour, then up to a minute before the day is over: woken and stepped by each worker, still waiting.
            for (index, step) in [Duration.seconds(3600), .seconds(24 * 3600 - 3600 - 60)].enumerated() {
                try await time.advance(by: step)
                for worker in workers {
                    _ = try await client.wake("app")
                    #expect(try await worker.runUntilIdle() == 1)
                    let record = try await client.process("app")
                    #expect(record.status == .waiting, "step \(index) on \(worker.configuration.workerID): \(record.lastError ?? "")")
                }
            }
            try await time.advance(by: .seconds(60))
            #expect(try await workers[3].runUntilIdle() >= 1)
            let record = try await client.process("app")
            #expect(record.status == .failed)
            #expect(record.lastError?.contains("timed out") == true, "\(record.lastError ?? "")")
        }
    }

    @Test func leasesLapseAndRenewByTheServersClock() async throws {
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            var time = try await TestTime(store, in: session, start: Self.start)
            _ = try await store.create(NewProcess(
                id: "p", flowName: "x.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: time.machine(.seconds(-25 * 3600)).now
            ))
            let ahead = time.machine(.seconds(25 * 3600)).now
            let claimed = try await store.claim(ClaimRequest(owner: "a", now: ahead, leaseDuration: .seconds(60), limit: 10))
            #expect(claimed.map(\.id) == ["p"])
            #expect(try await store.process("p")?.lease?.expiresAt == time.serverNow.addingTimeInterval(60))
            try await time.advance(by: .seconds(40))
            let token = ProcessLeaseToken(id: "p", token: claimed[0].leaseToken)
            #expect(try await store.renewLeases([token], owner: "a", now: ahead, for: .seconds(60)) == ["p"])
            #expect(try await store.process("p")?.lease?.expiresAt == time.serverNow.addingTimeInterval(60))
            try await time.advance(by: .seconds(59))
            #expect(try await store.claim(ClaimRequest(owner: "b", now: ahead, leaseDuration: .seconds(60), limit: 10)).isEmpty)
            try await time.advance(by: .seconds(1))
            let behind = time.machine(.seconds(-25 * 3600)).now
            #expect(try await store.claim(ClaimRequest(owner: "b", now: behind, leaseDuration: .seconds(60), limit: 10)).map(\.id) == ["p"])
        }
    }
}

/// Holds a step until the test opens it.
final class Gate: Sendable {
    private let entered: AsyncStream<Void>
    private let enteredContinuation: AsyncStream<Void>.Continuation
    private let released: AsyncStream<Void>
    private let releasedContinuation: AsyncStream<Void>.Continuation

    init() {
        (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        (released, releasedContinuation) = AsyncStream<Void>.makeStream()
    }

    /// Called by the step: says it runs, then waits for ``open()``.
    func enter() async {
        enteredContinuation.yield()
        for await _ in released { return }
    }

    func waitUntilEntered() async {
        for await _ in entered { return }
    }

    func open() {
        releasedContinuation.finish()
    }
}

/// Collects what is logged through ``logger``.
final class CapturedLogs: Sendable {
    struct Entry: Sendable, CustomStringConvertible {
        let level: Logger.Level
        let message: String
        var description: String { "\(level): \(message)" }
    }

    private let entries = Mutex<[Entry]>([])

    var messages: [Entry] { entries.withLock { $0 } }
    func clear() { entries.withLock { $0 = [] } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(logs: self) }
    }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            logs.entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)")) }
        }
    }
}
