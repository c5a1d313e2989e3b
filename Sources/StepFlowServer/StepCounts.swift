import Foundation
import StepFlowRuntime

/// How many processes of a flow are at each step now, how many failed there, and how long the ones there have been
/// there (median): what the flow map shows. Pure: built from statistics and records, tested without a store.
struct StepCounts: Encodable, Sendable {
    /// The figures of one step.
    struct Step: Encodable, Sendable, Hashable {
        /// The step's path without the flow's name, as the `step` filter takes it.
        var path: String
        /// Running, waiting or paused processes at this step.
        var active: Int
        /// Failed processes that stopped at this step.
        var failed: Int
        /// The median time since the active processes here last changed, in seconds (`nil` when none was sampled).
        var medianSecondsHere: Double?
    }

    /// The line of processes at no step: not started yet (or at a path the stores cannot index).
    static let notStarted = "(not started)"

    var flow: String
    var steps: [Step]
    var completed: Int
    var cancelled: Int

    /// Accumulates counts and times.
    struct Builder {
        let flow: String
        let now: Date
        let stepPath: (ProcessRecord) -> String?
        private var active: [String: Int] = [:]
        private var failed: [String: Int] = [:]
        private var times: [String: [Double]] = [:]
        private var completed = 0
        private var cancelled = 0

        init(flow: String, now: Date, stepPath: @escaping (ProcessRecord) -> String?) {
            self.flow = flow
            self.now = now
            self.stepPath = stepPath
        }

        /// Adds the store's counts of the flow's processes by status and step.
        mutating func count(_ statistics: ProcessStatistics) {
            for group in statistics.groups where group.flowName == flow {
                let step = group.step ?? StepCounts.notStarted
                switch group.status {
                case .completed: completed += group.count
                case .cancelled: cancelled += group.count
                case .failed: failed[step, default: 0] += group.count
                case .running, .waiting, .paused: active[step, default: 0] += group.count
                }
            }
        }

        /// Adds how long an active process has been at its step.
        mutating func addTime(_ record: ProcessRecord) {
            guard !record.status.isFinished else { return }
            times[stepPath(record) ?? StepCounts.notStarted, default: []].append(max(0, now.timeIntervalSince(record.updatedAt)))
        }

        /// The counts, with a line for each of `paths` (the flow's steps, in order) and for any other step seen.
        func build(paths: [String]) -> StepCounts {
            let seen = Set(active.keys).union(failed.keys)
            let all = paths + seen.subtracting(paths).sorted()
            let steps = all.map { path in
                Step(path: path, active: active[path] ?? 0, failed: failed[path] ?? 0, medianSecondsHere: times[path].flatMap(Self.median))
            }
            return StepCounts(flow: flow, steps: steps, completed: completed, cancelled: cancelled)
        }

        static func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }
}
