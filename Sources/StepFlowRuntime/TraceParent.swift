/// A W3C trace context's `traceparent` text (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`): how a
/// process's trace is stored (``ProcessRecord/traceContext``), whatever tracer the application uses.
///
/// Checked by hand rather than with a parser: the text is short, fixed in shape, and read for every traced step.
struct TraceParent: Sendable, Hashable {
    /// The header's name in a carrier.
    static let header = "traceparent"

    /// The whole text, as stored.
    let text: String

    /// The text if it is a valid `traceparent` (version 00, lowercase hex, trace and span ids not all zeros).
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 55, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"),
            bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-")
        else { return nil }
        func isHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        }
        func isZero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == UInt8(ascii: "0") } }
        guard isHex(3..<35), isHex(36..<52), isHex(53..<55), !isZero(3..<35), !isZero(36..<52) else { return nil }
        self.text = text
    }

    /// The trace id: 32 lowercase hex digits.
    var traceID: String { String(text.utf8.dropFirst(3).prefix(32))! }

    /// The parent span's id: 16 lowercase hex digits.
    var spanID: String { String(text.utf8.dropFirst(36).prefix(16))! }

    /// A new trace (random trace and span ids, sampled): for a process started outside any span.
    static func random<G: RandomNumberGenerator>(using generator: inout G) -> TraceParent {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        var traceHigh = generator.next() as UInt64
        let traceLow = generator.next() as UInt64
        var span = generator.next() as UInt64
        if traceHigh == 0 && traceLow == 0 { traceHigh = 1 }
        if span == 0 { span = 1 }
        return TraceParent("00-\(hex(traceHigh))\(hex(traceLow))-\(hex(span))-01")!
    }

    /// A new trace from the system's random generator.
    static func random() -> TraceParent {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }
}
