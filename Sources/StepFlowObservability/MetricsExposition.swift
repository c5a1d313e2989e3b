/// The text `/metrics` serves: the registry's exposition with a `# HELP` line for every metric family.
///
/// swift-metrics has no place for help texts, and swift-prometheus writes `# HELP` only for metrics made with one,
/// so the families that StepFlow's runtime makes through swift-metrics come without; `promtool check metrics` (and
/// people) want them. This adds StepFlow's texts, and the family's name for the metrics of other libraries.
public enum MetricsExposition {
    /// The help texts of StepFlow's metrics.
    public static let help: [String: String] = [
        "stepflow_steps_total": "Steps saved, by flow and outcome.",
        "stepflow_saves_rejected_total": "Step results dropped because the worker no longer held the process.",
        "stepflow_store_errors_total": "Store errors the worker recovered from.",
        "stepflow_step_duration_seconds": "How long steps took.",
        "stepflow_round_duration_seconds": "How long each of the worker's rounds with the store took.",
        "stepflow_due_backlog": "Processes due when the worker last looked.",
        "stepflow_scheduling_lag_seconds": "How late the oldest due process was when the worker last looked.",
        "stepflow_clock_skew_seconds": "How far the worker's clock is from the store server's.",
        "stepflow_processes": "Processes in the store, by flow and status.",
    ]

    /// `text` with a `# HELP` line before each `# TYPE` line whose family has none.
    public static func addingHelp(to text: String) -> String {
        var output: [Substring] = []
        var helped = Set<Substring>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# HELP ") {
                helped.insert(name(in: line.dropFirst(7)))
            } else if line.hasPrefix("# TYPE ") {
                let family = name(in: line.dropFirst(7))
                if !helped.contains(family) {
                    output.append("# HELP \(family) \(help[String(family)] ?? String(family))")
                    helped.insert(family)
                }
            }
            output.append(line)
        }
        return output.joined(separator: "\n")
    }

    private static func name(in rest: Substring) -> Substring {
        rest.prefix { $0 != " " }
    }
}
