/// The processes a query selects, page by page, each page read with the last id of the previous one as `after`
/// (keyset paging): at most one page is in memory at a time, however many processes the query selects.
///
/// ```swift
/// for try await page in store.pages(ProcessQuery(statuses: [.failed], limit: 500)) {
///     for record in page { print(record.id) }
/// }
/// ```
public struct ProcessPages: AsyncSequence, Sendable {
    /// One page: up to the query's `limit` records, ordered by id.
    public typealias Element = [ProcessRecord]

    let store: any ProcessStore
    let query: ProcessQuery

    /// Reads the pages of `query` from `store`, starting after `query.after`.
    public init(store: any ProcessStore, query: ProcessQuery) {
        self.store = store
        self.query = query
    }

    /// An iterator over the pages.
    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, query: query)
    }

    /// Reads the next page when asked; ends after a page shorter than the limit (or an empty one).
    public struct Iterator: AsyncIteratorProtocol {
        let store: any ProcessStore
        var query: ProcessQuery
        var done = false

        /// The next page, or `nil` when the pages are over.
        public mutating func next() async throws -> [ProcessRecord]? {
            guard !done, query.limit > 0 else { return nil }
            let page = try await store.processes(query)
            if page.count < query.limit { done = true }
            guard let last = page.last else { return nil }
            query.after = last.id
            return page
        }
    }
}

extension ProcessStore {
    /// Every process `query` selects, as pages of `query.limit` records read by keyset (see ``ProcessPages``).
    public func pages(_ query: ProcessQuery) -> ProcessPages {
        ProcessPages(store: self, query: query)
    }
}
