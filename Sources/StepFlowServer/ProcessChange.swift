import Foundation
import StepFlowRuntime

/// A change of one process, as the live event stream sends it: the process's new status and step.
struct ProcessChange: Codable, Sendable, Hashable {
    var id: String
    var flow: String
    var status: String
    var step: String?
    var stepCount: Int
    var updatedAt: Date
    var lastError: String?
    /// The change as one Server-Sent Event (`event: process`, its JSON as data), encoded once for every stream.
    private(set) var frame = ""

    private enum CodingKeys: String, CodingKey {
        case id, flow, status, step, stepCount, updatedAt, lastError
    }

    /// What tells one version of a process from the next: what a change of the store writes (every change of a
    /// process's status or step sets its `updatedAt`; a claim, which changes neither, does not).
    struct Mark: Sendable, Hashable {
        var status: ProcessStatus
        var stepCount: Int
        var updatedAt: Date

        init(_ record: ProcessRecord) {
            status = record.status
            stepCount = record.stepCount
            updatedAt = record.updatedAt
        }
    }

    init(_ record: ProcessRecord, step: String?, encoder: JSONEncoder = .api) {
        id = record.id.rawValue
        flow = record.flowName
        status = record.status.rawValue
        self.step = step
        stepCount = record.stepCount
        updatedAt = record.updatedAt
        lastError = record.lastError
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        frame = "event: process\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }

    /// The records of `current` that are new or changed since `previous` (by id), in id order.
    static func changed(from previous: [ProcessID: Mark], to current: [ProcessRecord]) -> [ProcessRecord] {
        current.filter { previous[$0.id] != Mark($0) }.sorted { $0.id < $1.id }
    }

    /// Whether the change passes a stream's filter (flow name and process id; `nil` passes all).
    func matches(flow: String?, process: String?) -> Bool {
        (flow == nil || flow == self.flow) && (process == nil || process == id)
    }
}
