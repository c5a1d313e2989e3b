import ChildProcesses
import CrashFlows
import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import Testing

/// Real crashes of a flow with a durable sleep, a signal, parallel branches and compensations: a child process
/// runs `saga.v1` (`Tests/Fixtures/SagaCrashWorker`, the flow in `Tests/Fixtures/CrashFlows`) and is SIGKILLed at
/// random moments; the signals are sent while
/// it is down; every third process fails on purpose and must be compensated.
@Suite(.serialized) struct SagaCrashTests {
    static let processCount = 60
    static let killsBeforeSignals = 6
    static let killsAfterSignals = 8

    typealias Input = SagaFlow.Input
    typealias Data = SagaFlow.Data
    typealias Go = SagaFlow.Go

    /// The worker's flow `saga.v1`, without side effects: to send signals and read states.
    static func sagaFlowShape() throws -> ProcessFlow<Input, Data> {
        try SagaFlow.make { _, _ in }
    }

    static let branchSteps = ["saga.v1/regionsParallel/eu/deploy", "saga.v1/regionsParallel/eu/check", "saga.v1/regionsParallel/us/deploy"]
    static let compensable: Set<String> = ["saga.v1/regionsParallel/eu/deploy", "saga.v1/regionsParallel/us/deploy"]

    @Test func sleepsSignalsBranchesAndCompensationsSurviveRepeatedSIGKILLs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-saga-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let storePath = directory.appendingPathComponent("saga.sqlite").path
        let logPath = directory.appendingPathComponent("side-effects.log").path
        let worker = try #require(ChildProcess.executable(named: "stepflow-saga-crash-worker"), "build the stepflow-saga-crash-worker target")

        var kills = 0
        var runs = 0
        /// Runs the worker, SIGKILLing it `killCount` times at random moments, then lets it run until it stops by
        /// itself (every process finished or waiting for a signal).
        func runWorker(killing killCount: Int) async throws {
            var killed = 0
            while true {
                runs += 1
                guard runs < 200 else {
                    Issue.record("the saga worker does not make progress")
                    return
                }
                let child = try ChildProcess.start(worker, arguments: [storePath, logPath, "\(Self.processCount)"])
                if killed < killCount {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 80...400)))
                    if child.send(SIGKILL) {
                        killed += 1
                        kills += 1
                    }
                    if await child.wait(timeout: .seconds(120)) == .exited(0) { return }
                } else {
                    let status = await child.wait(timeout: .seconds(120))
                    #expect(status == .exited(0), "the run ended with \(status.map(\.description) ?? "a timeout")")
                    return
                }
            }
        }

        try await runWorker(killing: Self.killsBeforeSignals)
        // The worker is down: the signals wait in the inboxes, and wake the processes when it comes back.
        do {
            let store = try SQLiteProcessStore(path: storePath)
            let client = StepFlowClient(store: store, registry: try FlowRegistry([Self.sagaFlowShape()]))
            let waiting = try await store.processes(ProcessQuery(statuses: [.waiting], limit: 10_000))
            #expect(waiting.count == Self.processCount, "every process waits for its signal before any is sent")
            for index in 0..<Self.processCount {
                try await client.signal(ProcessID(String(format: "s%04d", index)), "go", Go())
            }
        }
        try await runWorker(killing: Self.killsAfterSignals)
        #expect(kills >= Self.killsBeforeSignals)

        let store = try SQLiteProcessStore(path: storePath)
        let flow = try Self.sagaFlowShape().flow
        let records = try await store.processes(ProcessQuery(limit: 10_000))
        #expect(records.count == Self.processCount)
        let logLines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map(String.init)
        var sideEffects: [String: Int] = [:]
        for line in logLines { sideEffects[line, default: 0] += 1 }
        var expectedKeys = Set<String>()

        for record in records {
            let fails = Int(record.id.rawValue.dropFirst())! % 3 == 0
            let history = try await store.history(of: record.id)
            let paths = history.map(\.stepPath)
            #expect(history.map(\.sequence) == Array(1...history.count), "\(record.id)")
            var previous = FlowState()
            for entry in history {
                #expect(entry.before == previous, "\(record.id) #\(entry.sequence) starts at \(entry.before), not \(previous)")
                previous = entry.after
            }
            #expect(previous == record.state)
            // The timer fired once, and not before its time.
            let sleeps = history.filter { $0.stepPath == "saga.v1/coolDownSleep" }
            #expect(sleeps.count == 1, "\(record.id): \(paths)")
            if let sleep = sleeps.first, let prepare = history.first {
                // Times are stored in whole milliseconds, so the difference of two may read 1 ms short of 300.
                #expect(sleep.startedAt.timeIntervalSince(prepare.startedAt) >= 0.2985, "\(record.id) woke early")
            }
            #expect(paths.filter { $0 == "saga.v1/goAwaitSignal" }.count == 1, "\(record.id): \(paths)")
            for step in Self.branchSteps {
                #expect(history.filter { $0.stepPath == step && $0.outcome == .advanced }.count == 1, "\(record.id) \(step): \(paths)")
            }
            if fails {
                #expect(record.status == .failed, "\(record.id) is \(record.status)")
                #expect(record.state.events == ["failed:saga.v1"])
                #expect(record.lastError?.contains("forced failure") == true)
                #expect(record.lastError?.hasSuffix("(compensated)") == true)
                #expect(history.filter { $0.outcome == .compensating }.count == 1)
                // Each deploy undone exactly once (saved), in the reverse order of the deploys.
                let undone = history.filter { $0.outcome == .compensated }.compactMap(\.stepPath)
                let deployed = history.filter { $0.outcome == .advanced && Self.compensable.contains($0.stepPath ?? "") }.compactMap(\.stepPath)
                #expect(undone == deployed.reversed(), "\(record.id): \(paths)")
            } else {
                #expect(record.status == .completed, "\(record.id) is \(record.status): \(record.lastError ?? "")")
                #expect(flow.isCompleted(record.state))
                #expect(!history.contains { $0.outcome == .compensated || $0.outcome == .compensating })
            }
            for entry in history {
                guard let path = entry.stepPath else { continue }
                let key = "\(record.id)/\(path)#\(entry.sequence - 1)"
                if entry.outcome == .compensated {
                    expectedKeys.insert("undo " + key)
                } else if entry.outcome == .advanced || entry.outcome == .completed,
                    path == "saga.v1/prepare" || path == "saga.v1/finish" || Self.branchSteps.contains(path)
                {
                    expectedKeys.insert(key)
                }
            }
        }
        // Every saved step and compensation happened at least once, at most once more per crash, and nothing
        // happened that was never saved.
        for key in expectedKeys {
            let count = sideEffects[key, default: 0]
            #expect(count >= 1, "side effect \(key) never happened")
            #expect(count <= 1 + kills, "side effect \(key) happened \(count) times with \(kills) crashes")
        }
        #expect(Set(sideEffects.keys).subtracting(expectedKeys).isEmpty, "\(Set(sideEffects.keys).subtracting(expectedKeys).sorted().prefix(5))")
        print("saga crash test: \(kills) SIGKILLs over \(runs) runs; \(logLines.count) side effects for \(expectedKeys.count) saved steps")
    }
}
