import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

/// A paused process's timers and signals, with a worker on a manual clock.
@Suite struct PauseWithWorkerTests {
    func sleepFlow() throws -> ProcessFlow<Release, ReleaseData> {
        try ProcessFlow<Release, ReleaseData>("sleep.v1", initialData: { _ in ReleaseData() }) {
            Do("wave1") { context in context.data.log.append("wave1") }
            Sleep("coolDown", for: .minutes(30))
            Do("wave2") { context in context.data.log.append("wave2") }
        }
    }

    @Test func aSleepKeepsItsWallClockTimeAcrossAPause() async throws {
        let flow = try sleepFlow()
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 1)
        #expect(try await harness.due("r") == 1800)

        // Paused and unpaused before the timer: it still fires at its time.
        _ = try await harness.client.pause("r", reason: "check")
        harness.advance(.seconds(60))
        _ = try await harness.client.unpause("r")
        #expect(try await harness.due("r") == 1740)
        #expect(try await harness.client.process("r").status == .waiting)

        // Paused past the timer: nothing runs while paused, and the sleep fires at once after the unpause.
        _ = try await harness.client.pause("r", reason: "incident")
        harness.advance(.seconds(3600))
        #expect(try await harness.worker.runUntilIdle() == 0)
        _ = try await harness.client.unpause("r")
        #expect(try await harness.due("r")! <= 0)
        #expect(try await harness.worker.runUntilIdle() == 2)
        let record = try await harness.client.process("r")
        #expect(record.status == .completed)
        #expect(try record.decodeData(as: ReleaseData.self).log == ["wave1", "wave2"])
    }

    @Test func aSignalSentWhilePausedIsSeenAfterTheUnpause() async throws {
        let flow = try ProcessFlow<Release, ReleaseData>("approval.v1", initialData: { _ in ReleaseData() }) {
            Do("prepare") { context in context.data.log.append("prepare") }
            AwaitSignal("approval", as: Approval.self)
            Do("deploy") { context in
                let approval = try context.signal("approval", as: Approval.self)
                context.data.log.append("approved by \(approval?.by ?? "nobody")")
            }
        }
        let harness = try ExtendedHarness(flow)
        try await harness.client.start(flow, id: "r", input: Release(app: "a"))
        #expect(try await harness.worker.runUntilIdle() == 1)
        _ = try await harness.client.pause("r", reason: "freeze", by: "alice")
        try await harness.client.signal("r", "approval", Approval(by: "bob"))
        #expect(try await harness.client.process("r").status == .paused)
        harness.advance(.seconds(120))
        #expect(try await harness.worker.runUntilIdle() == 0)

        _ = try await harness.client.unpause("r", by: "alice")
        #expect(try await harness.worker.runUntilIdle() == 2)
        let record = try await harness.client.process("r")
        #expect(record.status == .completed)
        #expect(try record.decodeData(as: ReleaseData.self).log == ["prepare", "approved by bob"])
        // A paused process is cancelled at once.
        try await harness.client.start(flow, id: "s", input: Release(app: "b"))
        _ = try await harness.client.pause("s", reason: "hold")
        #expect(try await harness.client.cancel("s", reason: "not needed", by: "carol").status == .cancelled)
    }
}
