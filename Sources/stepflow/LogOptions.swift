import ArgumentParser
import Logging
import StepFlowObservability
import StepFlowRuntime

/// `--log-level` and `--log-format`: taken by every command (through ``StoreOptions`` where a command reads a store).
struct LogOptions: ParsableArguments {
    /// The formats of `--log-format`.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        /// swift-log's text lines.
        case text
        /// One JSON object per line, metadata keys as fields.
        case json
    }

    @Option(
        name: .long,
        help: """
            The level of the libraries' logs (on standard error): trace, debug, info, notice, warning, error or \
            critical (default: warning; `worker` logs its own start and stop at info).
            """
    )
    var logLevel: String?

    @Option(
        name: .long,
        help: "The format of the logs: text, or json (one object per line, metadata keys such as stepflow.process as fields)."
    )
    var logFormat: String = Format.text.rawValue

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError(
                "unknown log level '\(logLevel)'; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if Format(rawValue: logFormat) == nil {
            throw ValidationError(
                "unknown log format '\(logFormat)'; use one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    /// A logger at the level `--log-level` asks for, or at `level`, writing `--log-format` to standard error, with
    /// the trace id of the process whose traced step is running (``StepFlowLogging/metadataProvider``).
    func logger(label: String, default level: Logger.Level = .warning) -> Logger {
        let provider = StepFlowLogging.metadataProvider
        var logger = switch Format(rawValue: logFormat) ?? .text {
        case .text: Logger(label: label, factory: { label, _ in StreamLogHandler.standardError(label: label, metadataProvider: provider) })
        case .json: Logger(label: label, factory: { label, _ in JSONLogHandler(label: label, metadataProvider: provider) })
        }
        logger.logLevel = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? level
        return logger
    }
}
