import Foundation
import StepFlowRuntime

/// How many processes of a flow are at each step now, how many failed there, and how long the ones there have been
/// there (median): what the flow map shows. Pure: built from records, tested without a store.
struct StepCounts: Encodable, Sendable {
    /// The figures of one step.
    struct Step: Encodable, Sendable, Hashable {
        var path: String
        /// Running or waiting processes whose next step this is.
        var active: Int
        /// Failed processes that stopped at this step.
        var failed: Int
        /// The median time since the active processes here last changed, in seconds (`nil` when none is here).
        var medianSecondsHere: Double?
    }

    var flow: String
    var steps: [Step]
    var completed: Int
    var cancelled: Int

    /// Accumulates records one page at a time.
    struct Builder {
        let flow: String
        let now: Date
        let stepPath: (ProcessRecord) -> String?
        private var active: [String: [Double]] = [:]
        private var failed: [String: Int] = [:]
        private var completed = 0
        private var cancelled = 0

        init(flow: String, now: Date, stepPath: @escaping (ProcessRecord) -> String?) {
            self.flow = flow
            self.now = now
            self.stepPath = stepPath
        }

        mutating func add(_ record: ProcessRecord) {
            switch record.status {
            case .completed: completed += 1
            case .cancelled: cancelled += 1
            case .failed: failed[stepPath(record) ?? "-", default: 0] += 1
            case .running, .waiting: active[stepPath(record) ?? "-", default: []].append(max(0, now.timeIntervalSince(record.updatedAt)))
            }
        }

        /// The counts, with a line for each of `paths` (the flow's steps, in order) and for any other path seen.
        func build(paths: [String]) -> StepCounts {
            let seen = Set(active.keys).union(failed.keys)
            let all = paths + seen.subtracting(paths).sorted()
            let steps = all.map { path in
                Step(path: path, active: active[path]?.count ?? 0, failed: failed[path] ?? 0, medianSecondsHere: active[path].flatMap(Self.median))
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
