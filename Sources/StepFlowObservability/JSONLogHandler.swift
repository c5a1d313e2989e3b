public import Logging
import Foundation

/// A swift-log handler that writes one JSON object per line to standard error: `time`, `level`, `label`,
/// `message`, and every metadata key as a field of its own (`stepflow.process`, `stepflow.trace_id`, …), for log
/// collectors that read JSON lines.
///
/// ```swift
/// LoggingSystem.bootstrap { label, provider in JSONLogHandler(label: label, metadataProvider: provider) }
/// ```
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The least severe level written.
    public var logLevel: Logger.Level = .info
    /// The logger's own metadata.
    public var metadata: Logger.Metadata = [:]
    /// Adds contextual metadata (`StepFlowLogging.metadataProvider` adds the trace id).
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable (String) -> Void

    /// A handler for `label` that writes to standard error.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// A handler for `label` that hands each line (with its newline) to `write`.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    /// A value of the logger's own metadata.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line of JSON.
    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = Self.json(value) }
        for (key, value) in metadata { fields[key] = Self.json(value) }
        for (key, value) in event.metadata ?? [:] { fields[key] = Self.json(value) }
        if let error = event.error { fields["error"] = "\(error)" }
        fields["time"] = Date().formatted(.iso8601)
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// A metadata value as a JSON value: text, array or object.
    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case let .string(text): text
        case let .stringConvertible(convertible): convertible.description
        case let .array(values): values.map(json)
        case let .dictionary(values): values.mapValues(json)
        }
    }
}
