import Foundation
import StepFlowRuntime
import Testing

extension ProcessStoreConformance {
    /// `processes` with an id prefix returns exactly the ids that start with it, byte for byte, with the other
    /// filters and paging.
    public func listByIDPrefix() async throws {
        let store = try await makeStore()
        // Around the prefix's range: the prefix itself, its neighbours in byte order ("app." follows "app-", "app,"
        // precedes it), longer and non-ASCII ids, and the last scalar (U+10FFFF) after the prefix.
        let inside: [ProcessID] = ["app-", "app-001", "app-002", "app-1000", "app-é", "app-\u{10FFFF}", "app-\u{10FFFF}x"]
        let outside: [ProcessID] = ["ap", "app", "app,", "app.", "app.-001", "apq", "b", "é-1", "ê", "\u{10FFFF}", "\u{10FFFF}\u{10FFFF}"]
        for (index, id) in (outside + inside).enumerated() {
            try await Fixture.create(store, id, flow: index.isMultiple(of: 2) ? Fixture.flow : "refund.v1", at: Fixture.t(Int64(index)))
        }
        try await Fixture.drive(store, "app-002", to: .completed, dueAt: nil, at: Fixture.t(50))

        func ids(_ query: ProcessQuery) async throws -> [ProcessID] {
            try await store.processes(query).map(\.id)
        }
        #expect(try await ids(ProcessQuery(idPrefix: "app-")) == inside.sorted())
        #expect(try await ids(ProcessQuery(idPrefix: "app-", limit: 2)) == ["app-", "app-001"])
        #expect(try await ids(ProcessQuery(idPrefix: "app-", limit: 2, after: "app-001")) == ["app-002", "app-1000"])
        #expect(try await ids(ProcessQuery(idPrefix: "app-", after: "app-é")) == ["app-\u{10FFFF}", "app-\u{10FFFF}x"])
        #expect(try await ids(ProcessQuery(idPrefix: "app-", after: "zzz")) == [])
        #expect(try await ids(ProcessQuery(statuses: [.completed], idPrefix: "app-")) == ["app-002"])
        let refunds = (outside + inside).enumerated().filter { !$0.offset.isMultiple(of: 2) && $0.element.rawValue.hasPrefix("app-") }
        #expect(try await ids(ProcessQuery(flowName: "refund.v1", idPrefix: "app-")) == refunds.map(\.element).sorted())
        #expect(try await ids(ProcessQuery(idPrefix: "app")) == (["app", "app,", "app.", "app.-001"] + inside).sorted())
        #expect(try await ids(ProcessQuery(idPrefix: "app-0")) == ["app-001", "app-002"])
        #expect(try await ids(ProcessQuery(idPrefix: "app-00", after: "app-001")) == ["app-002"])
        #expect(try await ids(ProcessQuery(idPrefix: "app-9")) == [])
        #expect(try await ids(ProcessQuery(idPrefix: "é")) == ["é-1"])
        #expect(try await ids(ProcessQuery(idPrefix: "\u{10FFFF}")) == ["\u{10FFFF}", "\u{10FFFF}\u{10FFFF}"])
        #expect(try await ids(ProcessQuery(idPrefix: "app-\u{10FFFF}")) == ["app-\u{10FFFF}", "app-\u{10FFFF}x"])
        #expect(try await ids(ProcessQuery(idPrefix: "")) == (outside + inside).sorted())
    }

    /// `pages` walks every process a query selects, one page of `limit` at a time, in id order.
    public func pagesWalkEveryProcess() async throws {
        let store = try await makeStore()
        let all = (0..<23).map { ProcessID(String(format: "p-%02d", $0)) }
        _ = try await store.create(all.reversed().map { Fixture.newProcess($0, at: Fixture.t(1)) })
        try await Fixture.create(store, "q-00", at: Fixture.t(2))
        var pages: [[ProcessID]] = []
        for try await page in store.pages(ProcessQuery(idPrefix: "p-", limit: 5)) {
            pages.append(page.map(\.id))
        }
        #expect(pages.map(\.count) == [5, 5, 5, 5, 3])
        #expect(pages.flatMap { $0 } == all)
        // A selection that fills its last page exactly ends with that page.
        var count = 0
        for try await page in store.pages(ProcessQuery(idPrefix: "p-", limit: 23)) { count += page.count }
        #expect(count == 23)
        var none = 0
        for try await _ in store.pages(ProcessQuery(idPrefix: "x-")) { none += 1 }
        #expect(none == 0)
    }
}
