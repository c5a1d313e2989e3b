import ArgumentParser
import Foundation
import StepFlow
import StepFlowRuntime

/// `stepflow list`: the stored processes.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored processes.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Only processes of this flow.")
    var flow: String?

    @Option(help: "Only processes with this status (running, waiting, completed, failed, cancelled).")
    var status: String?

    func validate() throws {
        if let status, ProcessStatus(rawValue: status) == nil {
            throw ValidationError("unknown status '\(status)'; use one of \(ProcessStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    @Option(help: "At most this many.")
    var limit = 1000

    func run() async throws {
        try await storeOptions.withStore { try await run(store: $0) }
    }

    private func run(store: any ProcessStore) async throws {
        let records = try await store.processes(ProcessQuery(flowName: flow, statuses: status.flatMap(ProcessStatus.init(rawValue:)).map { [$0] }, limit: limit))
        let registry = try Flows.registry()
        print(Table.render(
            header: ["ID", "FLOW", "STATUS", "STEPS", "AT", "UPDATED"],
            rows: records.map { record in
                [record.id.rawValue, record.flowName, record.status.rawValue, "\(record.stepCount)",
                 Describe.position(of: record, registry: registry), Describe.time(record.updatedAt)]
            }
        ))
        if records.isEmpty { print("(no processes in \(storeOptions.displayLocation))") }
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
        let registry = try Flows.registry()
        print("process   \(record.id)")
        print("flow      \(record.flowName)")
        print("status    \(record.status)\(record.lastError.map { " — \($0)" } ?? "")")
        print("at        \(Describe.position(of: record, registry: registry))")
        print("state     \(Describe.json(record.state.events))")
        print("due       \(record.dueAt.map(Describe.time) ?? "-")")
        print("steps     \(record.stepCount) (attempt \(record.attempt) of the current step)")
        print("trace     \(record.traceID ?? "-")")
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
                    entry.error ?? "→ \(entry.after.events.joined(separator: ", "))",
                ]
            }
        ))
    }
}

/// `stepflow graph FLOW`: a flow as a diagram.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "graph", abstract: "Draw a flow as a Mermaid or Graphviz DOT diagram.")

    @OptionGroup var logOptions: LogOptions

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
    static func position(of record: ProcessRecord, registry: FlowRegistry) -> String {
        guard record.status.isActive else { return record.status.rawValue }
        guard let flow = registry.flow(named: record.flowName) else { return record.state.events.joined(separator: ",") }
        let path = flow.nextStepPath(in: record.state) ?? record.state.events.first ?? "-"
        return path.hasPrefix(record.flowName + "/") ? String(path.dropFirst(record.flowName.count + 1)) : path
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
