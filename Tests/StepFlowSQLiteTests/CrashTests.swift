import ChildProcesses
import CrashFlows
import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import Testing

/// Real crashes: a child process runs a worker on an SQLite file and is killed with SIGKILL at random moments,
/// then started again, until every process has completed.
@Suite(.serialized) struct CrashTests {
    static let processCount = 200
    static let minimumKills = 20

    /// The crash worker's flow `crash.v1`, without side effects (the tests read its paths and transitions).
    static func crashFlowShape() throws -> StepFlow<StepContext<CrashFlow.Input, CrashFlow.Data>> {
        try CrashFlow.make { _ in }.flow
    }

    /// What every process's history must be: three polls, two loop passes, and each step once.
    static let expectedSteps = [
        "crash.v1/prepare",
        "crash.v1/readyWaitFor", "crash.v1/readyWaitFor", "crash.v1/readyWaitFor",
        "crash.v1/batchesLoopUntil/steps/copy", "crash.v1/batchesLoopUntil",
        "crash.v1/batchesLoopUntil/steps/copy", "crash.v1/batchesLoopUntil",
        "crash.v1/finish/verify", "crash.v1/finish/announce",
    ]
    static let sideEffectSteps: Set<String> = [
        "crash.v1/prepare", "crash.v1/batchesLoopUntil/steps/copy", "crash.v1/finish/verify", "crash.v1/finish/announce",
    ]

    @Test func everyProcessCompletesExactlyOnceThroughRepeatedSIGKILLs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let storePath = directory.appendingPathComponent("crash.sqlite").path
        let logPath = directory.appendingPathComponent("side-effects.log").path
        let worker = try #require(ChildProcess.executable(named: "stepflow-crash-worker"), "build the stepflow-crash-worker target")

        var kills = 0
        var runs = 0
        var finished = false
        while !finished {
            runs += 1
            #expect(runs < 200, "the crash worker does not make progress")
            if runs >= 200 { return }
            let child = try ChildProcess.start(worker, arguments: [storePath, logPath, "\(Self.processCount)", "2"])
            if kills < Self.minimumKills {
                try await Task.sleep(for: .milliseconds(Int.random(in: 80...400)))
                if child.send(SIGKILL) { kills += 1 }
                let status = await child.wait(timeout: .seconds(120))
                finished = status == .exited(0)
            } else {
                let status = await child.wait(timeout: .seconds(120))
                #expect(status == .exited(0), "the last run ended with \(status.map(\.description) ?? "a timeout")")
                finished = true
            }
        }
        #expect(kills >= Self.minimumKills)

        let store = try SQLiteProcessStore(path: storePath)
        let flow = try Self.crashFlowShape()
        let records = try await store.processes(ProcessQuery(limit: 10_000))
        #expect(records.count == Self.processCount)

        let logLines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map(String.init)
        var sideEffects: [String: Int] = [:]
        for line in logLines { sideEffects[line, default: 0] += 1 }
        var expectedKeys = Set<String>()

        for record in records {
            #expect(record.status == .completed, "\(record.id) is \(record.status): \(record.lastError ?? "")")
            #expect(record.state == flow.completedState)
            let history = try await store.history(of: record.id)
            // Completed exactly once, through exactly the expected steps: none skipped, none saved twice.
            // (Consecutive polls of the wait are one entry, counting them: bounded history.)
            #expect(history.flatMap { Array(repeating: $0.stepPath, count: $0.polls) } == Self.expectedSteps, "\(record.id)")
            #expect(history.filter { $0.outcome == .completed }.count == 1)
            #expect(history.first?.sequence == 1)
            #expect(zip(history, history.dropFirst()).allSatisfy { $1.sequence == $0.lastSequence + 1 }, "\(history.map(\.sequence))")
            // A valid path through the flow: each entry starts where the previous one ended, and each step's
            // result is one of its transition's destinations.
            var previous = FlowState()
            for entry in history {
                #expect(entry.before == previous, "\(record.id) #\(entry.sequence) starts at \(entry.before), not \(previous)")
                #expect(try Self.isValidStep(flow, from: entry.before, to: entry.after, step: entry.stepPath))
                previous = entry.after
            }
            #expect(previous == flow.completedState)
            for entry in history where Self.sideEffectSteps.contains(entry.stepPath ?? "") {
                expectedKeys.insert("\(record.id)/\(entry.stepPath!)#\(entry.sequence - 1)")
            }
        }
        // Each saved step's side effect happened at least once, and at most once more per crash.
        for key in expectedKeys {
            let count = sideEffects[key, default: 0]
            #expect(count >= 1, "side effect \(key) never happened")
            #expect(count <= 1 + kills, "side effect \(key) happened \(count) times with \(kills) crashes")
        }
        // No side effect belongs to a step that was never saved: a repeated step reuses its idempotency key.
        #expect(Set(sideEffects.keys).subtracting(expectedKeys).isEmpty)
        let repeated = sideEffects.values.reduce(0) { $0 + $1 - 1 }
        print("crash test: \(kills) SIGKILLs over \(runs) runs; \(logLines.count) side effects for \(expectedKeys.count) saved steps (\(repeated) repeated)")
    }

    /// Whether `after` is a state the step run from `before` can produce: one of its transition's destinations,
    /// or the root's completion reached from one by structural transitions only.
    static func isValidStep<Context>(_ flow: StepFlow<Context>, from before: FlowState, to after: FlowState, step: String?) throws -> Bool {
        guard let step, try flow.nextStep(in: before)?.path == step else { return false }
        var event = before.events.first ?? "start:\(flow.name)"
        var transition = try #require(flow.transition(from: event))
        while !transition.isStep {
            event = transition.destinations[0].event
            transition = try #require(flow.transition(from: event))
        }
        for destination in transition.destinations.map(\.event) {
            var reached = destination
            if after.events == [reached] { return true }
            while let next = flow.transition(from: reached), !next.isStep {
                reached = next.destinations[0].event
                if after.events == [reached] { return true }
            }
        }
        return false
    }
}
