import Foundation
import StepFlow
import StepFlowRuntime
import Testing

/// `StoredColumns`, the hand-written state writer and reader both stores use, checked directly against Foundation:
/// the writer must produce exactly `JSONEncoder`'s text (with `.withoutEscapingSlashes`), and the reader must read
/// the writer's text back exactly or decline (`nil`, then the stores fall back to `JSONDecoder`) — never misread.
@Suite struct SQLiteStoreColumnsTests {
    /// Strings a state's events could hold that a hand-written JSON writer or reader may get wrong.
    static let adversarial: [String] = {
        var strings = [
            "", "a", "started:flow/step", "done:a/b", " ", "\"", "\\", "\\\"", "\"\\", "/", "//", "\\/", "\\u0041",
            "[", "]", ",", "[\"a\"]", "\",\"", "null", "true", "{}", "\u{7F}", "\u{80}", "\u{A0}", "\u{2028}", "\u{2029}",
            "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "e\u{301}", "👩‍👩‍👧‍👦", "🇫🇷",
            String(repeating: "x", count: 100_000), String(repeating: "\"\\\n", count: 10_000),
            String(repeating: "é😀", count: 20_000),
        ]
        // Every control character alone and between letters.
        for scalar in 0..<0x20 {
            let character = String(UnicodeScalar(UInt8(scalar)))
            strings.append(character)
            strings.append("a\(character)b")
        }
        // A character from every Unicode plane (0 to 16), at its start and end (surrogates cannot be in a String).
        for plane in 0...16 {
            for offset in [0x0041, 0xFFFD] where plane > 0 || offset == 0x0041 {
                if let scalar = UnicodeScalar(UInt32(plane * 0x10000 + offset)) { strings.append(String(scalar)) }
            }
            if plane > 0, let first = UnicodeScalar(UInt32(plane * 0x10000)) { strings.append("\(first)x\(first)") }
        }
        strings.append(String(UnicodeScalar(0x10FFFF)!))
        return strings
    }()

    static func foundationJSON(_ state: FlowState) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: try encoder.encode(state), as: UTF8.self)
    }

    /// The writer's text is `JSONEncoder`'s; the reader reads it back exactly or declines, and `JSONDecoder` agrees.
    static func check(_ state: FlowState, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = StoredColumns.json(state)
        #expect(written == (try foundationJSON(state)), "events \(state.events.map { $0.prefix(40) })", sourceLocation: sourceLocation)
        if let read = StoredColumns.state(written) {
            #expect(read == state, "misread \(state.events.map { $0.prefix(40) })", sourceLocation: sourceLocation)
        }
        #expect(try JSONDecoder().decode(FlowState.self, from: Data(written.utf8)) == state, sourceLocation: sourceLocation)
    }

    @Test func eachAdversarialEventRoundTrips() throws {
        for event in Self.adversarial { try Self.check(FlowState(events: [event])) }
    }

    @Test func emptyAndManyEventStatesRoundTrip() throws {
        try Self.check(FlowState())
        try Self.check(FlowState(events: Self.adversarial))
        try Self.check(FlowState(events: Array(repeating: "", count: 1000)))
        try Self.check(FlowState(events: Array(repeating: "done:a", count: 10_000)))
    }

    @Test func plainStatesAreReadWithoutFoundation() throws {
        for events in [[], ["a"], ["started:x/y", "done:x/z"], ["é😀\u{10FFFF}", "/", "\u{7F}"]] {
            #expect(StoredColumns.state(StoredColumns.json(FlowState(events: events))) == FlowState(events: events))
        }
    }

    /// Texts the reader must decline or read as `JSONDecoder` does: it is only a fast path.
    @Test func readerNeverMisreadsOtherText() throws {
        let texts = [
            "", "[", "]", "[]", " []", "[] ", "[ ]", "[\"a\"", "\"a\"]", "[\"a\",]", "[,\"a\"]", "[\"a\" ,\"b\"]",
            "[\"a\", \"b\"]", "[\"a\"\"b\"]", "[\"\\\"\"]", "[\"\\u0041\"]", "[\"a\nb\"]", "[\"\u{1}\"]", "[null]", "[1]",
            "{}", "[\"a\"]x", "x[\"a\"]", "[\"]", "[\"\"]", "[\"\",\"\"]", "[\"a\",\"b\",\"c\"]", "[\"é😀\"]",
        ]
        for text in texts {
            guard let read = StoredColumns.state(text) else { continue }
            let decoded = try? JSONDecoder().decode(FlowState.self, from: Data(text.utf8))
            #expect(read == decoded, "read \(read.events) from '\(text)', JSONDecoder: \(decoded.map { "\($0.events)" } ?? "error")")
        }
    }

    /// Thousands of states of random events, built from pieces that stress the writer and the reader.
    @Test func randomStatesAgreeWithFoundation() throws {
        var generator = SplitMix64(seed: 0x5EED_F10E)
        let pieces = ["a", "done:", "/", "\"", "\\", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "😀", "\u{10FFFF}", ",", "[", "]", " ", "\\u00"]
        for _ in 0..<5000 {
            let events = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            }
            try Self.check(FlowState(events: events))
        }
    }

    @Test func datesAndDurationsRoundToTheMillisecondAndSaturate() {
        #expect(StoredColumns.milliseconds(Date(timeIntervalSince1970: 1.0004)) == 1000)
        #expect(StoredColumns.milliseconds(Date(timeIntervalSince1970: 1.0006)) == 1001)
        #expect(StoredColumns.milliseconds(Date.distantFuture) > 0)
        #expect(StoredColumns.date(milliseconds: 1_767_225_600_123) == Date(timeIntervalSince1970: 1_767_225_600.123))
        #expect(StoredColumns.milliseconds(Duration.seconds(60)) == 60_000)
        #expect(StoredColumns.milliseconds(Duration.microseconds(1500)) == 2)
        #expect(StoredColumns.nanoseconds(.seconds(Int64.max)) == .max)
        #expect(StoredColumns.nanoseconds(.seconds(Int64.min)) == .min)
    }
}

/// A small seeded generator, so a failure of the randomized test repeats.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
