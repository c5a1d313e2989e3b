import Foundation
import StepFlowRuntime

/// The demo's own processes, `app-001`, `app-002`…: read by their id prefix, page by page, so that neither the
/// memory nor the time of a read depends on how many other processes the store holds.
struct DemoProcesses: Sendable {
    /// The prefix of every demo process's id.
    static let prefix = "app-"
    /// The most records one read of the store returns.
    static let pageSize = 500

    /// The ids, in the store's order.
    let ids: [ProcessID]
    private let wanted: Set<ProcessID>

    /// The processes of `apps` applications.
    init(apps: Int) {
        ids = (1...max(apps, 1)).map(Self.id).sorted()
        wanted = Set(ids)
    }

    /// The id of application `index` (from 1).
    static func id(_ index: Int) -> ProcessID {
        ProcessID(String(format: "\(prefix)%03d", index))
    }

    /// The stored records of the demo's processes, in id order (a process not stored is absent). Other processes
    /// whose ids start with the prefix are read only where they sort between the demo's own.
    func read(from store: any ProcessStore) async throws -> [ProcessRecord] {
        guard let last = ids.last else { return [] }
        var records: [ProcessRecord] = []
        records.reserveCapacity(ids.count)
        for try await page in store.pages(ProcessQuery(idPrefix: Self.prefix, limit: Self.pageSize)) {
            records += page.lazy.filter { wanted.contains($0.id) }
            if let end = page.last?.id, end >= last { break }
        }
        return records
    }

    /// Whether `records` holds every demo process, each finished.
    func allFinished(_ records: [ProcessRecord]) -> Bool {
        records.count == ids.count && records.allSatisfy(\.status.isFinished)
    }
}

extension DemoProcesses {
    /// The teams the demo's applications belong to, in turn.
    static let teams = ["payments", "search", "checkout", "platform"]

    /// The labels of application `index` (from 1): every fifth deploys to production (as its input says), the others
    /// to staging; the teams take turns.
    static func labels(_ index: Int) -> [String: String] {
        ["env": index % 5 == 0 ? "production" : "staging", "team": teams[(index - 1) % teams.count]]
    }
}
