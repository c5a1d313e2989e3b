public import Foundation

/// The JSON coding of a process's input, data and signal payloads: dates are written as ISO 8601 text in UTC with
/// milliseconds (`"2026-01-01T12:00:00.250Z"`), which people and other programs read; a date stored by an earlier
/// version as seconds since 2001 (`JSONEncoder`'s default) is still read.
public enum ProcessJSON {
    /// An encoder that writes dates as ISO 8601 text.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(format))
        }
        return encoder
    }

    /// A decoder that reads dates as ISO 8601 text (with or without fractional seconds), or as the seconds since
    /// 2001 that earlier versions wrote.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) {
                return Date(timeIntervalSinceReferenceDate: seconds)
            }
            let text = try container.decode(String.self)
            if let date = (try? format.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) {
                return date
            }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an ISO 8601 date (e.g. 2026-01-01T12:00:00.250Z)"
            )
        }
        return decoder
    }

    /// ISO 8601 in UTC, with milliseconds.
    private static let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
