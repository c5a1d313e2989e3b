import ArgumentParser
import Foundation
import StepFlowRuntime

/// What a command that acts on processes acts on: one process by its id, or every process a filter matches.
struct ProcessTarget: ParsableArguments {
    @Argument(help: "The process's id (or give filter options instead).") var id: String?
    @OptionGroup var filter: ProcessFilterOptions
    @Flag(help: "With filter options: print how many processes match and a few of their ids; change nothing.")
    var dryRun = false
    @Flag(help: "With filter options: act on every matching process (needed when more than one matches).")
    var allMatching = false

    func validate() throws {
        if id != nil, !filter.isEmpty {
            throw ValidationError("give either a process id or filter options, not both")
        }
        if id == nil, filter.isEmpty, !allMatching {
            throw ValidationError("give a process id, or filter options (--label, --status, --flow, --step…) to act on many")
        }
        if id != nil, dryRun || allMatching {
            throw ValidationError("--dry-run and --all-matching go with filter options, not with a process id")
        }
    }

    /// Runs `action` on the target: `single` for an id; for a filter, a dry run, a refusal when more than one process
    /// matches without `--all-matching`, or the bulk action. Prints what happened.
    func run(
        _ action: BulkAction, client: StepFlowClient, single: (ProcessID) async throws -> String
    ) async throws {
        if let id {
            print(try await single(ProcessID(id)))
            return
        }
        let query = try filter.query(now: client.clock.now, limit: 500)
        if dryRun {
            var (count, sample) = (0, [ProcessID]())
            for try await page in client.store.pages(query) {
                count += page.count
                if sample.count < 5 { sample += page.prefix(5 - sample.count).map(\.id) }
            }
            print("\(count) process\(count == 1 ? "" : "es") match; \(action.name) would act on those it applies to")
            if !sample.isEmpty { print("e.g. \(sample.map(\.rawValue).joined(separator: ", "))\(count > sample.count ? ", …" : "")") }
            return
        }
        if !allMatching {
            var probe = query
            probe.limit = 2
            let matching = try await client.store.processes(probe)
            if matching.count > 1 {
                throw CommandFailure(
                    "more than one process matches; add --all-matching to \(action.name) every one of them, or --dry-run to see how many"
                )
            }
        }
        let result = try await client.bulk(action, matching: query, by: Self.caller)
        let skipped = result.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        print("\(action.name): \(result.acted) of \(result.matched) matching processes"
            + (skipped.isEmpty ? "" : "; skipped \(skipped.joined(separator: ", "))"))
    }

    /// Who acts, as history entries name it: the user running the command.
    static var caller: String {
        "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown")
    }
}

/// `stepflow pause ID`: keeps workers off a process until it is unpaused.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a running or waiting process (or every one a filter matches)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var target: ProcessTarget
    @Option(help: "Why (recorded in the history).") var reason = "paused from the command line"

    func run() async throws {
        try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store)
            try await target.run(.pause(reason: reason), client: client) { id in
                let record = try await client.pause(id, reason: reason, by: ProcessTarget.caller)
                return "\(record.id): \(record.status)"
            }
        }
    }
}

/// `stepflow unpause ID`: lets workers claim a paused process again.
struct UnpauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpause", abstract: "Unpause a paused process (or every one a filter matches)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var target: ProcessTarget

    func run() async throws {
        try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store)
            try await target.run(.unpause, client: client) { id in
                let record = try await client.unpause(id, by: ProcessTarget.caller)
                return "\(record.id): \(record.status), due \(record.dueAt.map(Describe.time) ?? "-")"
            }
        }
    }
}

/// `stepflow stats`: how many processes there are, by flow, status and step.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Count processes by flow, status and current step."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Only processes of this flow.") var flow: String?

    func run() async throws {
        let statistics = try await storeOptions.withStore { try await StepFlowClient(store: $0).statistics(flow: flow) }
        if statistics.groups.isEmpty {
            print("(no processes in \(storeOptions.displayLocation))")
            return
        }
        print(Table.render(
            header: ["FLOW", "STATUS", "STEP", "COUNT"],
            rows: statistics.groups.map { [$0.flowName, $0.status.rawValue, $0.step ?? "-", "\($0.count)"] }
        ))
        let byStatus = statistics.byStatus.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key)" }
        print("total \(statistics.total): \(byStatus.joined(separator: ", "))")
    }
}

/// `stepflow purge --older-than 30d`: deletes finished processes.
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete finished processes (completed, failed, cancelled) with their history and signals.",
        discussion: "Running, waiting and paused processes are never deleted."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Delete processes that finished longer ago than this age (e.g. 30d, 12h).") var olderThan: String
    @Option(help: "Only processes of this flow.") var flow: String?
    @Option(name: .customLong("status"), help: "Only this finished status (repeat for several): completed, failed, cancelled.")
    var statuses: [String] = []
    @Flag(help: "Count what would be deleted; delete nothing.") var dryRun = false

    func validate() throws {
        _ = try TimeArgument.age(olderThan)
        for name in statuses {
            guard let status = ProcessStatus(rawValue: name), status.isFinished else {
                throw ValidationError("--status '\(name)' cannot be purged; use completed, failed or cancelled")
            }
        }
    }

    func run() async throws {
        let age = try TimeArgument.age(olderThan)
        let statusSet = statuses.isEmpty ? nil : Set(statuses.compactMap(ProcessStatus.init(rawValue:)))
        let result = try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store)
            return try await client.purge(
                finishedBefore: client.clock.now.addingTimeInterval(-age), flow: flow, statuses: statusSet, dryRun: dryRun
            )
        }
        let sample = result.sample.isEmpty ? "" : " (e.g. \(result.sample.map(\.rawValue).joined(separator: ", ")))"
        print(result.dryRun ? "\(result.deleted) processes would be purged\(sample)" : "purged \(result.deleted) processes\(sample)")
    }
}

/// `stepflow label ID key=value…`: replaces a process's labels.
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label", abstract: "Replace a process's labels (none given: remove them all).",
        discussion: "Keys use lowercase letters, digits and - _ . /; a process has at most 16 labels, each value at most 256 bytes."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The process's id.") var id: String
    @Argument(help: "The labels, as key=value.") var labels: [String] = []

    func validate() throws {
        _ = try parsed()
    }

    private func parsed() throws -> [String: String] {
        var values: [String: String] = [:]
        do {
            for text in labels {
                let (key, value) = try ProcessLabels.parse(text)
                values[key] = value
            }
            try ProcessLabels.validate(values)
        } catch let error as ProcessStoreError {
            throw ValidationError(error.message)
        }
        return values
    }

    func run() async throws {
        let labels = try parsed()
        let record = try await storeOptions.withStore {
            try await StepFlowClient(store: $0).setLabels(ProcessID(id), labels, by: ProcessTarget.caller)
        }
        print("\(record.id): \(record.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
    }
}
