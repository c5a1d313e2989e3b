import ArgumentParser
import Foundation
import StepFlowRuntime

/// The options that select processes, shared by `list` and the commands that act on many processes (cancel, wake,
/// resume, pause, unpause): each becomes one criterion of a ``ProcessQuery``.
struct ProcessFilterOptions: ParsableArguments {
    @Option(name: .customLong("label"), help: "Only processes with this label, as key=value (repeat: all must match).")
    var labels: [String] = []

    @Option(help: "Only processes at this step, as list's AT column shows it (e.g. shouldDeployCase/steps/createDeployRequest).")
    var step: String?

    @Option(name: .customLong("status"), help: "Only processes with this status (repeat for several): \(ProcessStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
    var statuses: [String] = []

    @Option(help: "Only processes of this flow.")
    var flow: String?

    @Option(help: "Only processes whose id starts with this text.")
    var idPrefix: String?

    @Option(help: "Only processes created at or after this time: an ISO 8601 time or an age such as 30m, 2h, 7d.")
    var createdAfter: String?

    @Option(help: "Only processes created before this time (ISO 8601 or an age).")
    var createdBefore: String?

    @Option(help: "Only processes changed at or after this time (ISO 8601 or an age).")
    var updatedAfter: String?

    @Option(help: "Only processes changed before this time (ISO 8601 or an age).")
    var updatedBefore: String?

    @Option(help: "Only processes whose id sorts after this one: the cursor `list` prints to read the next page.")
    var after: String?

    func validate() throws {
        _ = try query(now: Date(), limit: 1)
    }

    /// Whether any criterion is given (a bulk command without an id needs one, or `--all-matching` alone).
    var isEmpty: Bool {
        labels.isEmpty && step == nil && statuses.isEmpty && flow == nil && idPrefix == nil && createdAfter == nil
            && createdBefore == nil && updatedAfter == nil && updatedBefore == nil && after == nil
    }

    /// The query the options describe, with ages counted back from `now`.
    ///
    /// - Throws: `ValidationError` naming the option and what it accepts.
    func query(now: Date, limit: Int) throws -> ProcessQuery {
        var labelValues: [String: String] = [:]
        for text in labels {
            do {
                let (key, value) = try ProcessLabels.parse(text)
                labelValues[key] = value
            } catch let error as ProcessStoreError {
                throw ValidationError("--label: \(error.message)")
            }
        }
        do {
            try ProcessLabels.validate(labelValues)
        } catch let error as ProcessStoreError {
            throw ValidationError("--label: \(error.message)")
        }
        var statusSet: Set<ProcessStatus>?
        if !statuses.isEmpty {
            statusSet = try Set(statuses.map { name in
                guard let status = ProcessStatus(rawValue: name) else {
                    throw ValidationError(
                        "unknown status '\(name)'; use one of \(ProcessStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                return status
            })
        }
        return ProcessQuery(
            flowName: flow, statuses: statusSet, idPrefix: idPrefix, limit: limit, after: after.map { ProcessID($0) },
            labels: labelValues, step: step,
            createdAfter: try TimeArgument.parse(createdAfter, option: "--created-after", now: now),
            createdBefore: try TimeArgument.parse(createdBefore, option: "--created-before", now: now),
            updatedAfter: try TimeArgument.parse(updatedAfter, option: "--updated-after", now: now),
            updatedBefore: try TimeArgument.parse(updatedBefore, option: "--updated-before", now: now)
        )
    }
}

/// A time typed on the command line: an ISO 8601 time, or an age (`45s`, `30m`, `2h`, `7d`, `2w`) counted back from now.
enum TimeArgument {
    /// The time `text` names, or `nil` for no text.
    ///
    /// - Throws: `ValidationError` naming `option` and the forms it accepts.
    static func parse(_ text: String?, option: String, now: Date) throws -> Date? {
        guard let text else { return nil }
        if let age = try? age(text) { return now.addingTimeInterval(-age) }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw ValidationError(
            "\(option) '\(text)' is neither an age (a number and s, m, h, d or w: 30m, 2h, 7d) nor an ISO 8601 time (2026-01-31T12:00:00Z)"
        )
    }

    /// The seconds an age such as `30d` names.
    ///
    /// - Throws: `ValidationError` when `text` is not a whole number followed by s, m, h, d or w.
    static func age(_ text: String) throws -> TimeInterval {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        guard let unit = text.last, let seconds = units[unit], let count = Int(text.dropLast()), count >= 0 else {
            throw ValidationError("'\(text)' is not an age; write a whole number and s, m, h, d or w (30m, 2h, 30d)")
        }
        return TimeInterval(count) * seconds
    }
}
