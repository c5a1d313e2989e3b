import Foundation
import StepFlowRuntime

/// The changes of processes, read from the store by polling, shared by every live event stream: however many
/// browsers listen, the store is read once per interval.
///
/// A read takes the active (running, waiting) processes page by page, and reads again each process that was active
/// at the last read but is not any more (it finished, or its status changed to one the page query skips). The
/// first read sets the baseline and reports nothing.
actor ProcessChangeFeed {
    let client: StepFlowClient
    let interval: Duration
    private var marks: [ProcessID: ProcessChange.Mark]?
    private var generation = 0
    private var recent: [(generation: Int, changes: [ProcessChange])] = []
    private var lastRead: Date?
    private var reading: Task<Void, Never>?

    /// How many reads' changes are kept for streams that fall behind.
    static let kept = 32

    init(client: StepFlowClient, interval: Duration) {
        self.client = client
        self.interval = interval
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

    private func readStore() async {
        let now = client.clock.now
        do {
            var active: [ProcessRecord] = []
            for try await page in client.store.pages(ProcessQuery(statuses: [.running, .waiting], limit: 500)) {
                active += page
            }
            var current = active
            if let marks {
                let activeIDs = Set(active.map(\.id))
                for id in marks.keys where !activeIDs.contains(id) {
                    if let record = try await client.store.process(id) { current.append(record) }
                }
            }
            let previous = marks
            marks = Dictionary(active.map { ($0.id, ProcessChange.Mark($0)) }, uniquingKeysWith: { a, _ in a })
            lastRead = now
            guard let previous else { return }
            let changed = ProcessChange.changed(from: previous, to: current)
            guard !changed.isEmpty else { return }
            generation += 1
            let registry = client.registry
            recent.append((generation, changed.map { ProcessChange($0, step: registry.flow(named: $0.flowName)?.nextStepPath(in: $0.state)) }))
            if recent.count > Self.kept { recent.removeFirst(recent.count - Self.kept) }
        } catch {
            // The store did not answer: the next read tries again; streams see no change meanwhile.
            lastRead = now
        }
    }
}
