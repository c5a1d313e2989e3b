import DeployPipeline
import Foundation
import StepFlow
import StepFlowRuntime
import Synchronization

/// The demo's live progress: processes per step, completed, failed and steps per second.
final class ProgressDisplay: Sendable {
    private let flow: StepFlow<DeployPipeline.Context>
    private let live: Bool
    private let previous = Mutex<(lines: Int, steps: Int, time: Double, lastPrint: Double, storeProblem: Bool)>((0, -1, 0, -10, false))

    init(flow: StepFlow<DeployPipeline.Context>, live: Bool) {
        self.flow = flow
        self.live = live
    }

    /// The step a process is at, for display: the next step's path below the root, or its status.
    private func position(_ record: ProcessRecord) -> String {
        switch record.status {
        case .completed, .failed, .cancelled, .paused: return record.status.rawValue
        case .running, .waiting:
            guard let path = try? flow.nextStepPath(in: record.state) else { return "finishing" }
            return String(path.dropFirst(flow.name.count + 1))
        }
    }

    /// Shows the progress of `records` (of `total` processes); `storeProblem`, while the store does not answer.
    func render(_ records: [ProcessRecord], total: Int, elapsed: Double, storeProblem: String? = nil) {
        let steps = records.reduce(0) { $0 + $1.stepCount }
        let rate: Double = previous.withLock { previous in
            defer { (previous.steps, previous.time) = (steps, elapsed) }
            guard previous.steps >= 0, elapsed > previous.time else { return 0 }
            return Double(steps - previous.steps) / (elapsed - previous.time)
        }
        var byPosition: [String: Int] = [:]
        for record in records { byPosition[position(record), default: 0] += 1 }
        let order = flow.root.allItems.map { String($0.path.dropFirst(flow.name.count + 1)) }
        let active = byPosition.keys.filter { !["completed", "failed", "cancelled"].contains($0) }
            .sorted { (order.firstIndex(of: $0) ?? .max) < (order.firstIndex(of: $1) ?? .max) }
        let done = byPosition["completed", default: 0]
        let failed = byPosition["failed", default: 0]
        let header = String(format: "%6.1fs  %d/%d completed, %d failed, %d steps, %.0f steps/s",
                            elapsed, done, total, failed, steps, rate)
        if live {
            var lines = [header] + (storeProblem.map { ["  \($0)"] } ?? [])
                + active.map { String(format: "  %5d  %@", byPosition[$0]!, $0) }
            let count = lines.count
            let clear = previous.withLock { previous in
                defer { previous.lines = count }
                return previous.lines
            }
            lines = lines.map { $0 + "\u{1B}[K" }
            var output = clear > 0 ? "\u{1B}[\(clear)A\r" : ""
            output += lines.joined(separator: "\n") + "\n"
            for _ in 0..<max(0, clear - count) { output += "\u{1B}[K\n" }
            if clear > count { output += "\u{1B}[\(clear - count)A" }
            FileHandle.standardOutput.write(Data(output.utf8))
        } else {
            // A line every 2 seconds, and one as soon as the store stops or starts answering again.
            let (due, recovered) = previous.withLock { previous in
                let recovered = previous.storeProblem && storeProblem == nil
                let changed = previous.storeProblem != (storeProblem != nil)
                previous.storeProblem = storeProblem != nil
                guard elapsed - previous.lastPrint >= 2 || changed else { return (false, recovered) }
                previous.lastPrint = elapsed
                return (true, recovered)
            }
            if recovered { print("  store answers again") }
            if due { print(header + (storeProblem.map { "\n  \($0)" } ?? "")) }
            // Output to a file or a pipe is buffered: each line goes out as it is printed.
            if due || recovered { fflush(nil) }
        }
    }

    func summary(_ records: [ProcessRecord], stepsBefore: Int, elapsed: Double, interrupted: Bool) {
        let steps = records.reduce(0) { $0 + $1.stepCount }
        let data = records.compactMap { try? $0.decodeData(as: DeployPipeline.Data.self) }
        let deployed = records.filter { $0.status == .completed }.compactMap { try? $0.decodeData(as: DeployPipeline.Data.self) }
            .filter(\.needsDeploy).count
        let completed = records.filter { $0.status == .completed }.count
        print("")
        if interrupted {
            print("Interrupted: steps in flight were finished and saved. Run the same command again to continue.")
        }
        print("Summary")
        print("  processes:      \(records.count)")
        print("  completed:      \(completed) (\(deployed) deployed, \(completed - deployed) already up to date)")
        print("  failed:         \(records.filter { $0.status == .failed }.count)")
        print("  still running:  \(records.filter { $0.status.isActive }.count)")
        let thisRun = steps - stepsBefore
        print(String(format: "  steps applied:  %d in this run, in %.1f s (%.0f steps/s); %d in all", thisRun, elapsed,
                     Double(thisRun) / max(elapsed, 0.001), steps))
        print("  pull requests closed by compensation: \(data.filter { $0.pullRequestClosed == true }.count)")
        let waitingForApproval = records.filter { $0.status.isActive && $0.state.events.first?.hasSuffix("/approvalAwaitSignal") == true }
        if let first = waitingForApproval.first {
            print("  waiting for approval: \(waitingForApproval.count) — e.g. stepflow signal \(first.id) approval '{\"by\":\"you\"}'")
        }
        let reasons = Dictionary(grouping: records.filter { $0.status == .failed }, by: { Self.shortReason($0.lastError ?? "?") })
        for (reason, failed) in reasons.sorted(by: { $0.value.count > $1.value.count }) {
            print("  failed (\(failed.count)): \(reason) — e.g. stepflow show \(failed[0].id)")
        }
    }

    private static func shortReason(_ reason: String) -> String {
        reason.replacingOccurrences(of: #"app-\d+"#, with: "<app>", options: .regularExpression)
    }
}
