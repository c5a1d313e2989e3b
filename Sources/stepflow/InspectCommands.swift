import ArgumentParser
import Foundation
import StepFlow
import StepFlowRuntime

/// `stepflow list`: the stored processes a filter selects, one page at a time.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List stored processes.",
        discussion: "When more processes match than --limit, the last line gives the --after cursor of the next page."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var filter: ProcessFilterOptions

    @Option(help: "At most this many.")
    var limit = 1000

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await storeOptions.withStore { try await run(store: $0) }
    }

    private func run(store: any ProcessStore) async throws {
        let records = try await store.processes(try filter.query(now: Date(), limit: limit))
        print(Table.render(
            header: ["ID", "FLOW", "STATUS", "STEPS", "AT", "UPDATED"],
            rows: records.map { record in
                [record.id.rawValue, record.flowName, record.status.rawValue, "\(record.stepCount)",
                 Describe.position(of: record), Describe.time(record.updatedAt)]
            }
        ))
        if records.isEmpty { print("(no processes match in \(storeOptions.displayLocation))") }
        if records.count == limit, let last = records.last { print("next page: --after \(last.id)") }
    }
}

/// `stepflow show ID`: one process in full.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a process: status, current step, data and history.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The process's id.")
    var id: String

    func run() async throws {
        try await storeOptions.withStore { try await run(store: $0) }
    }

    private func run(store: any ProcessStore) async throws {
        let client = StepFlowClient(store: store)
        let record = try await client.process(ProcessID(id))
        print("process   \(record.id)")
        print("flow      \(record.flowName)")
        print("status    \(record.status)\(record.lastError.map { " — \($0)" } ?? "")")
        print("at        \(Describe.position(of: record))")
        print("labels    \(record.labels.isEmpty ? "-" : record.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
        print("state     \(Describe.json(record.state.events))")
        print("due       \(record.dueAt.map(Describe.time) ?? "-")")
        print("steps     \(record.stepCount) (attempt \(record.attempt) of the current step)")
        print("lease     \(record.lease.map { "\($0.owner) until \(Describe.time($0.expiresAt))" } ?? "-") (token \(record.leaseToken))")
        print("created   \(Describe.time(record.createdAt)), updated \(Describe.time(record.updatedAt))")
        print("input     \(Describe.pretty(record.input))")
        print("data      \(Describe.pretty(record.data))")
        print("history")
        let history = try await client.history(of: record.id)
        print(Table.render(
            header: ["#", "STARTED", "STEP", "OUTCOME", "DURATION", "WORKER", "DETAIL"],
            rows: history.map { entry in
                [
                    "\(entry.sequence)", Describe.time(entry.startedAt),
                    entry.stepPath.map { String($0.dropFirst(record.flowName.count + 1)) } ?? "-",
                    entry.outcome.rawValue, Describe.duration(entry.duration), entry.worker,
                    HistoryDetail.text(of: entry),
                ]
            }
        ))
    }
}

/// `stepflow graph FLOW`: a flow as a diagram.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "graph", abstract: "Draw a flow as a Mermaid or Graphviz DOT diagram.")

    @Argument(help: "The flow's name (e.g. deploy.v1).")
    var flow: String

    @Option(help: "mermaid or dot.")
    var format = "mermaid"

    func validate() throws {
        guard FlowDiagram.Format(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)'; use mermaid or dot")
        }
    }

    func run() async throws {
        let registry = try Flows.registry()
        guard let registered = registry.flow(named: flow) else {
            throw ValidationError("no flow named '\(flow)'; known flows: \(registry.names.joined(separator: ", "))")
        }
        print(registered.diagram(FlowDiagram.Format(rawValue: format) ?? .mermaid))
    }
}


/// Formatting shared by the inspecting commands.
enum Describe {
    /// The AT column: the step the process is at (``ProcessRecord/currentStep``, which `list --step` matches and
    /// the stores index), or `-`.
    static func position(of record: ProcessRecord) -> String {
        record.currentStep ?? "-"
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }

    static func duration(_ duration: Duration) -> String {
        let seconds = duration.timeInterval
        return seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "?"
    }

    static func pretty(_ json: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: json),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: json, as: UTF8.self) }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\n", with: "\n          ")
    }
}

/// A plain-text table with aligned columns.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
