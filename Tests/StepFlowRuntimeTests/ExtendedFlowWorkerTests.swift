import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

struct Release: Codable, Sendable, Hashable {
    var app: String
}

struct ReleaseData: Codable, Sendable, Hashable {
    var log: [String] = []
}

struct Approval: Codable, Sendable, Hashable {
    var by: String
}

struct Failure: Error, CustomStringConvertible {
    let step: String
    var description: String { "\(step) is down" }
}

/// Workers, clients and a store on a manual clock, for flows with timers, signals, retries and compensations.
struct ExtendedHarness {
    let clock = ManualClock()
    let store = MemoryProcessStore()
    let registry: FlowRegistry
    let client: StepFlowClient
    let worker: FlowWorker

    init(_ flows: any RegisteredFlow...) throws {
        registry = try FlowRegistry(flows)
        client = StepFlowClient(store: store, registry: registry, clock: clock)
        worker = FlowWorker(
            store: store, registry: registry, configuration: .init(workerID: "w", pollInterval: .seconds(5)),
            clock: clock, logger: testLogger
        )
    }

    func advance(_ duration: Duration) { clock.advance(by: duration) }
    func due(_ id: ProcessID) async throws -> TimeInterval? {
        try await client.process(id).dueAt.map { $0.timeIntervalSince(clock.now) }
    }
}

@Suite struct ExtendedFlowWorkerTests {
    @Test func aSleepIsScheduledThroughTheStoreAndFiresOnce() async throws {
        let flow = try ProcessFlow<Release, ReleaseData>("sleep.v1", initialData: { _ in ReleaseData() }) {
            Do("wave1") { context in context.data.log.append("wave1") }
            Sleep("coolDown", for: .minutes(30))
            Do("wave2") { context in context.data.log.append("wave2") }
        }
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 1)
        var record = try await harness.client.process("r")
        #expect(record.status == .waiting)
        #expect(try await harness.due("r") == 1800)
        #expect(record.state.events.count == 2)  // the event and its wake-up time
        harness.advance(.seconds(1799))
        #expect(try await harness.worker.runUntilIdle() == 0)
        harness.advance(.seconds(1))
        #expect(try await harness.worker.runUntilIdle() == 2)
        record = try await harness.client.process("r")
        #expect(record.status == .completed)
        #expect(try record.decodeData(as: ReleaseData.self).log == ["wave1", "wave2"])
        let history = try await harness.client.history(of: "r")
        #expect(history.map(\.stepPath) == ["sleep.v1/wave1", "sleep.v1/coolDownSleep", "sleep.v1/wave2"])
    }

    @Test func aSignalSentBeforeTheStepIsKeptAndItsPayloadReachesLaterSteps() async throws {
        let flow = try approvalFlow()
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        try await harness.client.signal("r", "approval", Approval(by: "alice"))
        #expect(try await harness.worker.runUntilIdle() == 3)
        let record = try await harness.client.process("r")
        #expect(record.status == .completed)
        #expect(try record.decodeData(as: ReleaseData.self).log == ["prepare", "approved by alice"])
    }

    @Test func aSignalWakesAProcessThatWaitsForIt() async throws {
        let flow = try approvalFlow()
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 1)
        #expect(try await harness.client.process("r").status == .waiting)
        // Nothing to do but wait for the signal: rechecked only after a minute.
        #expect(try await harness.due("r") == 60)
        try await harness.client.signal("r", "approval", Approval(by: "bob"))
        #expect(try await harness.due("r")! <= 0)
        #expect(try await harness.worker.runUntilIdle() == 2)
        #expect(try await harness.client.process("r").status == .completed)
    }

    @Test func aSignalSentWhileTheWorkerHoldsTheProcessWakesItOnceTheRoundIsSaved() async throws {
        let started = OneWayGate()
        let release = OneWayGate()
        let flow = try ProcessFlow<Release, ReleaseData>("held.v1", initialData: { _ in ReleaseData() }) {
            Parallel("p") {
                Branch("a") {
                    Do("slow") { _ in
                        await started.open()
                        await release.wait()
                    }
                }
                Branch("b") { AwaitSignal("go", as: Approval.self) }
            }
        }
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        let worker = harness.worker
        let round = Task { try await worker.runRound() }
        await started.wait()
        // The worker holds the process: the signal is stored, the lease and due time stay.
        try await harness.client.signal("r", "go", Approval(by: "x"))
        await release.open()
        #expect(try await round.value.saved == 1)
        // The branch waiting for the signal looked at the inbox before the signal came; the worker read it again
        // after the save, so the process is due now rather than after its one-minute recheck.
        #expect(try await harness.due("r")! <= 0)
        #expect(try await harness.worker.runUntilIdle() == 1)
        #expect(try await harness.client.process("r").status == .completed)
    }

    @Test func badSignalsAreRefusedAndNothingIsStored() async throws {
        let flow = try approvalFlow()
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        let wrongType = await #expect(throws: StepFlowRuntimeError.self) {
            try await harness.client.signal("r", "approval", "yes")
        }
        #expect(wrongType?.code == .invalidValue)
        #expect(wrongType?.message.contains("Approval") == true)
        let unknownName = await #expect(throws: StepFlowRuntimeError.self) {
            try await harness.client.signal("r", "approvl", Approval(by: "x"))
        }
        #expect(unknownName?.message.contains("approval") == true)
        let badJSON = await #expect(throws: StepFlowRuntimeError.self) {
            try await harness.client.signal("r", "approval", json: Data(#"{"who":"x"}"#.utf8))
        }
        #expect(badJSON?.code == .invalidValue)
        let unknownProcess = await #expect(throws: ProcessStoreError.self) {
            try await harness.client.signal("nobody", "approval", Approval(by: "x"))
        }
        #expect(unknownProcess?.code == .notFound)
        #expect(await harness.store.signals(of: ["r"]).isEmpty)
        try await harness.client.signal("r", "approval", json: Data(#"{"by":"carol"}"#.utf8))
        #expect(await harness.store.signals(of: ["r"])["r"]?.count == 1)
    }

    @Test func retriesFollowThePolicyAndRecordTheError() async throws {
        let failures = Counter()
        let flow = try ProcessFlow<Release, ReleaseData>("retry.v1", initialData: { _ in ReleaseData() }) {
            Retry("push", policy: .exponential(initial: .seconds(10), multiplier: 3, max: .minutes(5), maxAttempts: 4)) {
                Do("push") { _ in if failures.next() <= 2 { throw Failure(step: "git") } }
            }
        }
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 1)
        #expect(try await harness.due("r") == 10)
        #expect(try await harness.client.process("r").lastError == "git is down")
        harness.advance(.seconds(10))
        #expect(try await harness.worker.runUntilIdle() == 1)
        #expect(try await harness.due("r") == 30)
        harness.advance(.seconds(30))
        #expect(try await harness.worker.runUntilIdle() == 1)
        let record = try await harness.client.process("r")
        #expect(record.status == .completed)
        #expect(try await harness.client.history(of: "r").map(\.outcome) == [.retried, .retried, .completed])
    }

    @Test func aFailureRunsTheCompensationsInReverseAndEndsFailedWithTheCause() async throws {
        let flow = try compensatedFlow(failRollout: true)
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 5)
        let record = try await harness.client.process("r")
        #expect(record.status == .failed)
        #expect(record.lastError == "step 'comp.v1/rollout' failed: argo is down (compensated)")
        #expect(record.state.events == ["failed:comp.v1"])
        #expect(try record.decodeData(as: ReleaseData.self).log == ["openPR", "lock", "unlock", "closePR"])
        let history = try await harness.client.history(of: "r")
        #expect(history.map(\.outcome) == [.advanced, .advanced, .compensating, .compensated, .compensated])
        #expect(history.map(\.stepPath) == ["comp.v1/openPR", "comp.v1/lock", "comp.v1/rollout", "comp.v1/lock", "comp.v1/openPR"])
    }

    @Test func cancellingAProcessWithStepsToUndoRunsTheirCompensationsThenEndsCancelled() async throws {
        let flow = try compensatedFlow(failRollout: false, waitBeforeRollout: true)
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 3)  // openPR, lock, first poll
        try await harness.client.cancel("r", reason: "by alice: release frozen")
        #expect(try await harness.worker.runUntilIdle() == 3)
        let record = try await harness.client.process("r")
        #expect(record.status == .cancelled)
        #expect(record.lastError == "by alice: release frozen")
        #expect(try record.decodeData(as: ReleaseData.self).log == ["openPR", "lock", "unlock", "closePR"])
        let history = try await harness.client.history(of: "r")
        #expect(history.suffix(3).map(\.outcome) == [.cancelled, .compensated, .compensated])
        #expect(history.suffix(3).first?.error == "by alice: release frozen")

        // A process already undoing its steps is not stopped halfway.
        try await harness.client.start(flow, id: "u", input: Release(app: "c"))
        #expect(try await harness.worker.runUntilIdle() == 3)
        try await harness.client.cancel("u", reason: "first")
        #expect(try await harness.worker.runRound().saved == 1)  // the cancellation starts the compensations
        #expect(try await harness.worker.runRound().saved == 1)  // the first one runs
        #expect(try await harness.client.process("u").state.events == ["cancelled:comp.v1", "done:comp.v1/openPR"])
        await #expect(throws: ProcessStoreError.self) {
            try await harness.client.cancel("u", reason: "second")
        }
        // With nothing to undo, a cancel stops the process at once.
        try await harness.client.start(flow, id: "s", input: Release(app: "b"))
        let cancelled = try await harness.client.cancel("s", reason: "by bob")
        #expect(cancelled.status == .cancelled)
    }

    @Test func aBulkCancelAsksProcessesWithStepsToUndoOneByOneAndStopsTheOthersInABatch() async throws {
        let flow = try compensatedFlow(failRollout: false, waitBeforeRollout: true)
        let plain = try ProcessFlow<Release, ReleaseData>("plain.v1", initialData: { _ in ReleaseData() }) {
            WaitFor("merged") { _ in false }
        }
        let harness = try ExtendedHarness(flow, plain)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))  // steps to undo
        try await harness.client.start(flow, id: "u", input: Release(app: "b"))  // undoing its steps
        #expect(try await harness.worker.runUntilIdle() == 6)
        try await harness.client.cancel("u", reason: "first")
        #expect(try await harness.worker.runRound().saved == 1)  // the cancellation starts the compensations
        try await harness.client.start(flow, id: "s", input: Release(app: "c"))  // nothing done yet
        for id: ProcessID in ["x1", "x2"] { try await harness.client.start(plain, id: id, input: Release(app: "d")) }
        _ = try await harness.store.create(NewProcess(  // a flow this client does not know
            id: "y", flowName: "unknown.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: harness.clock.now
        ))

        let result = try await harness.client.bulk(.cancel(reason: "by ops: freeze"), matching: ProcessQuery(), by: "ops")
        #expect(result == BulkResult(matched: 6, acted: 5, skipped: ["changed meanwhile": 1]))
        // Stopped at once, each with its history entry naming the caller: the plain flow's processes and the
        // unknown flow's (one batch), and the process with nothing to undo (alone, as its flow has compensations).
        for id: ProcessID in ["s", "x1", "x2", "y"] {
            let record = try await harness.client.process(id)
            #expect(record.status == .cancelled)
            #expect(record.lastError == "by ops: freeze")
            #expect(try await harness.client.history(of: id).last?.worker == "ops")
        }
        // The process with steps to undo was asked to stop: its compensations run, then it ends cancelled.
        #expect(try await harness.client.process("r").status.isActive)
        #expect(try await harness.worker.runUntilIdle() >= 3)
        let undone = try await harness.client.process("r")
        #expect(undone.status == .cancelled)
        #expect(try undone.decodeData(as: ReleaseData.self).log == ["openPR", "lock", "unlock", "closePR"])
        // The process already undoing its steps was not stopped halfway.
        #expect(try await harness.client.process("u").lastError != "by ops: freeze")
    }

    @Test func parallelBranchesNameTheirOwnStepsInContextAndHistory() async throws {
        let flow = try ProcessFlow<Release, ReleaseData>("par.v1", initialData: { _ in ReleaseData() }) {
            Parallel("regions") {
                Branch("eu") { Do("deploy") { context in context.data.log.append(context.idempotencyKey) } }
                Branch("us") { Do("deploy") { context in context.data.log.append(context.idempotencyKey) } }
            }
        }
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 2)
        let record = try await harness.client.process("r")
        #expect(record.status == .completed)
        #expect(try record.decodeData(as: ReleaseData.self).log == [
            "r/par.v1/regionsParallel/eu/deploy#0", "r/par.v1/regionsParallel/us/deploy#1",
        ])
        #expect(try await harness.client.history(of: "r").map(\.stepPath) == [
            "par.v1/regionsParallel/eu/deploy", "par.v1/regionsParallel/us/deploy",
        ])
    }

    @Test func aScheduledWaitIsPolledOnItsScheduleAndItsTimeoutFailsTheProcess() async throws {
        let flow = try ProcessFlow<Release, ReleaseData>("wait.v1", initialData: { _ in ReleaseData() }) {
            WaitFor("merged", every: .seconds(20), backoff: .exponential(multiplier: 2, max: .seconds(60)), timeout: .seconds(90)) { _ in false }
        }
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        var delays: [TimeInterval] = []
        while try await harness.client.process("r").status.isActive {
            #expect(try await harness.worker.runUntilIdle() == 1)
            guard let due = try await harness.due("r") else { break }
            delays.append(due)
            harness.advance(.seconds(Int64(due)))
        }
        #expect(delays == [20, 40, 30])  // the last poll is at the deadline
        let record = try await harness.client.process("r")
        #expect(record.status == .failed)
        #expect(record.lastError?.contains("timed out") == true)
    }

    func approvalFlow() throws -> ProcessFlow<Release, ReleaseData> {
        try ProcessFlow<Release, ReleaseData>("approval.v1", initialData: { _ in ReleaseData() }) {
            Do("prepare") { context in context.data.log.append("prepare") }
            AwaitSignal("approval", as: Approval.self)
            Do("deploy") { context in
                let approval = try context.signal("approval", as: Approval.self)
                context.data.log.append("approved by \(approval?.by ?? "nobody")")
            }
        }
    }

    func compensatedFlow(failRollout: Bool, waitBeforeRollout: Bool = false) throws -> ProcessFlow<Release, ReleaseData> {
        try ProcessFlow<Release, ReleaseData>("comp.v1", initialData: { _ in ReleaseData() }) {
            Do("openPR", { context in context.data.log.append("openPR") }, compensate: { context in context.data.log.append("closePR") })
            Do("lock", { context in context.data.log.append("lock") }, compensate: { context in context.data.log.append("unlock") })
            if waitBeforeRollout {
                WaitFor("merged") { _ in false }
            }
            Do("rollout") { _ in if failRollout { throw Failure(step: "argo") } }
        }
    }
}

/// A one-way gate: `wait()` returns once `open()` has been called.
actor OneWayGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// A counter shared by a flow's closures.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

import Synchronization
