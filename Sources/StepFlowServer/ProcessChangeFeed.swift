import Foundation
import StepFlowRuntime

/// The changes of processes, read from the store by polling, shared by every live event stream: however many
/// browsers listen, the store is read once per interval.
///
/// A read takes only the processes changed lately: those whose `updatedAt` is at or after the read's time less
/// ``overlap``. The SQL stores find them through their indexes: the claims' index carries the update time of every
/// running and waiting process (so a read goes over its entries, and its cost grows with the unfinished processes),
/// and finished and paused processes have indexes of their own. The overlap reads again what the last reads saw,
/// because `updatedAt` is the writer's time, taken before its transaction commits (and in milliseconds): a change
/// made visible just after a read, with a time just before it, is still read by the next one. What was seen already
/// is told apart by its mark (status, step count, `updatedAt`) and not reported twice; the marks kept are those of
/// the processes inside the overlap. A change whose `updatedAt` is more than the overlap older than the moment it
/// became visible (a writer's clock behind the server's by more, or a transaction that waited that long to commit)
/// is not reported; the process's next change is. The first read sets the baseline and reports nothing.
actor ProcessChangeFeed {
    let client: StepFlowClient
    let interval: Duration
    /// How far before its own time a read starts (see the type's discussion).
    let overlap: Duration
    /// The marks of the processes the last read returned (changed within the overlap); `nil` before the baseline.
    private var marks: [ProcessID: ProcessChange.Mark]?
    private var generation = 0
    private var recent: [(generation: Int, changes: [ProcessChange])] = []
    private var lastRead: Date?
    private var reading: Task<Void, Never>?

    /// How many reads' changes are kept for streams that fall behind.
    static let kept = 32

    /// The default overlap: two seconds, far more than a commit waits for SQLite's write lock or PostgreSQL's commit
    /// in normal operation, and little to read again.
    static let defaultOverlap = Duration.seconds(2)

    /// The most records a read holds in one page.
    static let pageSize = 500

    init(client: StepFlowClient, interval: Duration, overlap: Duration = ProcessChangeFeed.defaultOverlap) {
        self.client = client
        self.interval = interval
        self.overlap = max(overlap, interval)
    }

    /// The generation the stream starts after (reads the baseline first if there is none).
    func start() async -> Int {
        if marks == nil { await read() }
        return generation
    }

    /// The changes after `generation` (reading the store when the last read is older than the interval), and the
    /// generation to ask after next time.
    func changes(after generation: Int) async -> (generation: Int, changes: [ProcessChange]) {
        if let lastRead, client.clock.now < lastRead.addingTimeInterval(interval.timeInterval) {
            // Read recently: serve from what is kept.
        } else {
            await read()
        }
        let changes = recent.filter { $0.generation > generation }.flatMap(\.changes)
        return (self.generation, changes)
    }

    /// How many processes the last read returned (those changed within the overlap), whose marks are kept.
    var watched: Int { marks?.count ?? 0 }

    /// Reads the store once; concurrent callers share one read.
    func read() async {
        if let reading {
            await reading.value
            return
        }
        let task = Task { await self.readStore() }
        reading = task
        await task.value
        reading = nil
    }

    /// The query of a read at `now`: every process changed at or after `now` less the overlap (see
    /// ``ProcessQuery/changed(since:statuses:limit:)``).
    func query(at now: Date) -> ProcessQuery {
        .changed(since: now.addingTimeInterval(-overlap.timeInterval), limit: Self.pageSize)
    }

    private func readStore() async {
        let now = client.clock.now
        do {
            var records: [ProcessRecord] = []
            for try await page in client.store.pages(query(at: now)) {
                records += page
            }
            let previous = marks
            marks = Dictionary(records.map { ($0.id, ProcessChange.Mark($0)) }, uniquingKeysWith: { a, _ in a })
            lastRead = now
            guard let previous else { return }
            let changed = ProcessChange.changed(from: previous, to: records)
            guard !changed.isEmpty else { return }
            generation += 1
            let registry = client.registry
            let encoder = JSONEncoder.api
            recent.append((generation, changed.map {
                ProcessChange($0, step: registry.flow(named: $0.flowName)?.nextStepPath(in: $0.state), encoder: encoder)
            }))
            if recent.count > Self.kept { recent.removeFirst(recent.count - Self.kept) }
        } catch {
            // The store did not answer: the next read tries again (its overlap covers what this one missed, if it
            // comes within it); streams see no change meanwhile.
            lastRead = now
        }
    }
}
