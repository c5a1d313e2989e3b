import Foundation
import StepFlowRuntime
import Synchronization

/// Reads the demo's processes again and again for the display, and rides out a store that cannot be reached: a
/// failed read is retried after a growing pause, and the display is told how long the store has not answered.
final class DemoMonitor: Sendable {
    /// What the display shows: the latest records read, and a line about the store while it does not answer.
    struct Reading: Sendable {
        var records: [ProcessRecord]
        var storeProblem: String?
    }

    private struct State {
        var records: [ProcessRecord] = []
        var readStarted: ContinuousClock.Instant?
        var failingSince: ContinuousClock.Instant?
        var lastError: String?
    }

    /// A read that has not answered for this long is shown as the store not answering.
    static let slowRead: Duration = .seconds(3)

    private let store: any ProcessStore
    private let processes: DemoProcesses
    private let state = Mutex(State())

    /// A monitor of `processes` in `store`, showing `records` (read before) until its first read.
    init(store: any ProcessStore, processes: DemoProcesses, records: [ProcessRecord]) {
        self.store = store
        self.processes = processes
        state.withLock { $0.records = records }
    }

    /// Reads until every process is finished (`true`) or the task is cancelled (`false`). A failed read is retried
    /// after 0.5, 1, 2, then every 4 seconds.
    func watch() async -> Bool {
        var pause: Duration = .milliseconds(250)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            state.withLock { $0.readStarted = started }
            do {
                let records = try await processes.read(from: store)
                state.withLock { state in
                    state = State(records: records)
                }
                if processes.allFinished(records) { return true }
                pause = .milliseconds(records.count > 2000 ? 1000 : 250)
            } catch {
                if Task.isCancelled { return false }
                state.withLock { state in
                    state.readStarted = nil
                    state.failingSince = state.failingSince ?? started
                    state.lastError = "\(error)"
                }
                pause = min(max(pause * 2, .milliseconds(500)), .seconds(4))
            }
            try? await Task.sleep(for: pause)
        }
        return false
    }

    /// The latest records, and while the store does not answer, a line that says so.
    func reading() -> Reading {
        let now = ContinuousClock.now
        return state.withLock { state in
            var problem: String?
            if let since = state.failingSince {
                problem = String(format: "store unreachable for %.0f s, retrying — ", (now - since).timeInterval)
                    + Self.firstLine(state.lastError ?? "?")
            } else if let started = state.readStarted, now - started >= Self.slowRead {
                problem = String(format: "store not answering for %.0f s, retrying", (now - started).timeInterval)
            }
            return Reading(records: state.records, storeProblem: problem)
        }
    }

    /// The records of the last successful read.
    var lastRecords: [ProcessRecord] { state.withLock(\.records) }

    private static func firstLine(_ text: String) -> String {
        let line = text.prefix { $0 != "\n" }
        return line.count > 160 ? line.prefix(157) + "..." : String(line)
    }
}
