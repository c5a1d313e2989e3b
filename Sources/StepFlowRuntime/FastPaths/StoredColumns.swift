// FAST PATH. A hand-written JSON writer and reader for states, instead of JSONEncoder/JSONDecoder.
// Why: encoding states with JSONEncoder halved the SQLite store's commit throughput (about 14,500 instead of 30,000+
// updates/s), and JSONDecoder dominated the cost of a claim; see Benchmarks/SQLITE_RESULTS.md and
// RUNTIME_RESULTS.md (`StoreBenchmark`, `RuntimeBenchmarks throughput`).
// Contract: the writer's text is byte for byte JSONEncoder's (with .withoutEscapingSlashes); the reader reads that
// text back exactly or returns nil (the caller then uses JSONDecoder). Tested directly, with adversarial and
// thousands of random states against Foundation, in Tests/StepFlowSQLiteTests/SQLiteStoreColumnsTests.swift.
package import Foundation
package import StepFlow

/// How the stores write a process's values to their columns and read them back: dates as integer milliseconds,
/// durations as integer nanoseconds, states as JSON text. Shared by the SQLite and PostgreSQL stores, whose
/// columns hold the same values.
package enum StoredColumns {
    /// A date as integer milliseconds since 1970 (rounded to the nearest millisecond).
    package static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return value > 0 ? .max : .min }
        return Int64(exactly: value) ?? (value > 0 ? .max : .min)
    }

    /// The date of integer milliseconds since 1970.
    package static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// A duration as integer milliseconds (rounded to the nearest millisecond, saturating).
    package static func milliseconds(_ duration: Duration) -> Int64 {
        let value = (duration.timeInterval * 1000).rounded()
        guard value.isFinite else { return value > 0 ? .max : .min }
        return Int64(exactly: value) ?? (value > 0 ? .max : .min)
    }

    /// A duration as integer nanoseconds (saturating past ±292 years).
    package static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow || overflow2 { return seconds < 0 ? .min : .max }
        return total
    }

    /// A state as its JSON text: exactly `FlowState`'s `Codable` encoding, a JSON array of event strings,
    /// written as `JSONEncoder` writes it with `.withoutEscapingSlashes` (without the encoder's cost, which
    /// dominated the time of a commit).
    package static func json(_ state: FlowState) -> String {
        if let plain = plainJSON(state) { return plain }
        var json = "["
        json.reserveCapacity(2 + state.events.reduce(0) { $0 + $1.utf8.count + 3 })
        for (index, event) in state.events.enumerated() {
            if index > 0 { json += "," }
            if event.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                var bytes: [UInt8] = []
                appendJSONString(event, to: &bytes)
                json += String(decoding: bytes, as: UTF8.self)
            } else {
                json += "\""
                json += event
                json += "\""
            }
        }
        json += "]"
        return json
    }

    /// ``json(_:)`` of a state none of whose events needs escaping, written in one go; `nil` otherwise.
    private static func plainJSON(_ state: FlowState) -> String? {
        var count = 2
        for event in state.events {
            count += event.utf8.count + 3
        }
        if !state.events.isEmpty { count -= 1 }
        var plain = true
        let json = String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index += 1
            }
            put(UInt8(ascii: "["))
            for (position, event) in state.events.enumerated() {
                if position > 0 { put(UInt8(ascii: ",")) }
                put(UInt8(ascii: "\""))
                for byte in event.utf8 {
                    if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        plain = false
                        return 0
                    }
                    put(byte)
                }
                put(UInt8(ascii: "\""))
            }
            put(UInt8(ascii: "]"))
            return index
        }
        return plain ? json : nil
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The state of JSON text as ``json(_:)`` writes it — `[`, strings without escapes or control characters
    /// separated by commas, `]` — read without `JSONDecoder` (whose cost dominated a claim); `nil` for any
    /// other text (whitespace, escapes, `null`, or not a state at all), which the caller reads with `JSONDecoder`.
    package static func state(_ json: String) -> FlowState? {
        var json = json
        return json.withUTF8 { bytes -> FlowState? in
            let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[bytes.count - 1] == UInt8(ascii: "]") else {
                return nil
            }
            let end = bytes.count - 1
            if end == 1 { return FlowState() }
            var events: [String] = []
            var index = 1
            while true {
                guard index < end, bytes[index] == quote else { return nil }
                index += 1
                let start = index
                while index < end, bytes[index] != quote {
                    if bytes[index] == backslash || bytes[index] < 0x20 { return nil }
                    index += 1
                }
                guard index < end else { return nil }
                events.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                index += 1
                if index == end { return FlowState(events: events) }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
    }

    /// Appends `string` as a JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    private static func appendJSONString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
