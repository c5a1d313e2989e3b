/// How many processes there are, by flow, status and current step: what `stepflow stats` prints and a dashboard
/// shows (``ProcessStore/statistics(flowName:)``).
public struct ProcessStatistics: Sendable, Hashable {
    /// One count: the processes of one flow, with one status, at one step.
    public struct Group: Sendable, Hashable {
        /// The flow's name.
        public var flowName: String
        /// The status.
        public var status: ProcessStatus
        /// The current step (``ProcessRecord/currentStep``), `nil` for none.
        public var step: String?
        /// How many processes.
        public var count: Int

        /// A count.
        public init(flowName: String, status: ProcessStatus, step: String?, count: Int) {
            self.flowName = flowName
            self.status = status
            self.step = step
            self.count = count
        }
    }

    /// The counts, ordered by flow, status and step.
    public var groups: [Group]

    /// Counts; they are put in order.
    public init(groups: [Group]) {
        self.groups = groups.sorted { a, b in
            (a.flowName, a.status.rawValue, a.step ?? "") < (b.flowName, b.status.rawValue, b.step ?? "")
        }
    }

    /// Counts `records`, as a store without SQL does.
    public init(counting records: some Sequence<ProcessRecord>) {
        var counts: [Key: Int] = [:]
        for record in records { counts[Key(flow: record.flowName, status: record.status, step: record.currentStep), default: 0] += 1 }
        self.init(groups: counts.map { Group(flowName: $0.key.flow, status: $0.key.status, step: $0.key.step, count: $0.value) })
    }

    /// A group's key, for counting.
    private struct Key: Hashable {
        var flow: String
        var status: ProcessStatus
        var step: String?
    }

    /// Every process counted.
    public var total: Int { groups.reduce(0) { $0 + $1.count } }

    /// The counts by flow.
    public var byFlow: [String: Int] { groups.reduce(into: [:]) { $0[$1.flowName, default: 0] += $1.count } }

    /// The counts by status.
    public var byStatus: [ProcessStatus: Int] { groups.reduce(into: [:]) { $0[$1.status, default: 0] += $1.count } }
}
