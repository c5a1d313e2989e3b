import Foundation
import StepFlow
@testable import StepFlowRuntime
import Testing

/// Dates in process data are written as ISO 8601 text; data written by earlier versions (dates as seconds since
/// 2001, `JSONEncoder`'s default) still decodes, and is written as ISO 8601 at its next save.
@Suite struct ProcessJSONTests {
    struct Stamped: Codable, Sendable, Equatable {
        var openedAt: Date?
        var count = 0
    }

    /// 2026-01-02T03:04:05.250Z.
    static let date = Date(timeIntervalSince1970: 1_767_323_045.25)

    @Test func datesAreWrittenAsISO8601WithMilliseconds() throws {
        let json = String(decoding: try ProcessJSON.encoder().encode(Stamped(openedAt: Self.date)), as: UTF8.self)
        #expect(json.contains(#""openedAt":"2026-01-02T03:04:05.250Z""#), "\(json)")
        #expect(try ProcessJSON.decoder().decode(Stamped.self, from: Data(json.utf8)) == Stamped(openedAt: Self.date))
    }

    @Test func datesOfEarlierVersionsStillDecode() throws {
        // What earlier versions stored: JSONEncoder's default, seconds since 2001 (here with a fraction).
        let old = try JSONEncoder().encode(Stamped(openedAt: Self.date.addingTimeInterval(0.000_123), count: 3))
        #expect(String(decoding: old, as: UTF8.self).contains(#""openedAt":789015845.250"#))
        let decoded = try ProcessJSON.decoder().decode(Stamped.self, from: old)
        #expect(decoded.count == 3)
        #expect(decoded.openedAt == Self.date.addingTimeInterval(0.000_123))
        // Other ISO 8601 forms people write by hand: without fractional seconds, with an offset.
        for text in ["2026-01-02T03:04:05Z", "2026-01-02T04:04:05+01:00"] {
            let value = try ProcessJSON.decoder().decode(Stamped.self, from: Data(#"{"openedAt":"\#(text)","count":0}"#.utf8))
            #expect(value.openedAt == Date(timeIntervalSince1970: 1_767_323_045), "\(text)")
        }
    }

    @Test func textThatIsNotADateIsAClearError() {
        #expect {
            try ProcessJSON.decoder().decode(Stamped.self, from: Data(#"{"openedAt":"yesterday"}"#.utf8))
        } throws: { error in
            "\(error)".contains("'yesterday' is not an ISO 8601 date")
        }
    }

    @Test func aProcessSavedByAnEarlierVersionRunsOnAndIsSavedAsISO8601() async throws {
        let flow = try ProcessFlow<Stamped, Stamped>("dates.v1", initialData: { $0 }) {
            Do("later") { context in
                context.data.openedAt = context.data.openedAt?.addingTimeInterval(60)
                context.data.count += 1
            }
        }
        let store = MemoryProcessStore()
        let client = StepFlowClient(store: store, registry: try FlowRegistry([flow]))
        // Created as an earlier version created it: input and data through a plain JSONEncoder.
        let old = try JSONEncoder().encode(Stamped(openedAt: Self.date))
        _ = try await store.create(NewProcess(id: "old", flowName: "dates.v1", input: old, data: old, now: Self.date))
        #expect(try await client.process("old").decodeData(as: Stamped.self) == Stamped(openedAt: Self.date))

        _ = try await client.advance("old")
        let record = try await client.process("old")
        #expect(record.status == .completed, "\(record.lastError ?? "")")
        #expect(String(decoding: record.data, as: UTF8.self).contains(#""openedAt":"2026-01-02T03:05:05.250Z""#))
        #expect(try record.decodeData(as: Stamped.self) == Stamped(openedAt: Self.date.addingTimeInterval(60), count: 1))
    }
}
