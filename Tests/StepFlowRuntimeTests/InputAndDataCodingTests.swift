import Foundation
import StepFlow
@testable import StepFlowRuntime
import Testing

/// How a step's input and data go from and to their JSON: types without stored properties are decoded and encoded
/// once per flow; bytes a step leaves unchanged are not saved again.
@Suite struct InputAndDataCodingTests {
    struct Nothing: Codable, Sendable {}
    struct Counter: Codable, Sendable { var count = 0 }
    final class Box: Codable, Sendable {}
    /// No stored property, and a decoder that accepts only `{}`.
    struct Strict: Codable, Sendable {
        init() {}
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            guard container.allKeys.isEmpty else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "expected {}"))
            }
        }
    }
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    @Test func onlyTypesWithoutStoredPropertiesAreCached() {
        #expect(EmptyValueCoding<Nothing>.ifEmpty() != nil)
        #expect(EmptyValueCoding<Strict>.ifEmpty() != nil)
        #expect(EmptyValueCoding<Counter>.ifEmpty() == nil)
        #expect(EmptyValueCoding<Box>.ifEmpty() == nil)
        #expect(EmptyValueCoding<String>.ifEmpty() == nil)
    }

    @Test func otherBytesAreDecodedAgainAndTheirErrorsReported() throws {
        let coding = try #require(EmptyValueCoding<Strict>.ifEmpty())
        let decoder = JSONDecoder()
        _ = try coding.decode(Data("{}".utf8), with: decoder)
        _ = try coding.decode(Data("{}".utf8), with: decoder)
        #expect(throws: DecodingError.self) { try coding.decode(Data(#"{"a":1}"#.utf8), with: decoder) }
        #expect(throws: DecodingError.self) { try coding.decode(Data("not json".utf8), with: decoder) }
        _ = try coding.decode(Data("{ }".utf8), with: decoder)
        #expect(try coding.encode(Strict(), with: JSONEncoder()) == Data("{}".utf8))
        #expect(try coding.encode(Strict(), with: JSONEncoder()) == Data("{}".utf8))
    }

    func record(input: String, data: String) -> ProcessRecord {
        ProcessRecord(
            id: "p", flowName: "coding.v1", state: FlowState(), input: Data(input.utf8), data: Data(data.utf8),
            status: .running, dueAt: Date(timeIntervalSince1970: 0), createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: Date(timeIntervalSince1970: 0), leaseToken: 1
        )
    }

    @Test func unchangedDataIsNotSavedAgainAndChangedDataIs() async throws {
        let untouched = try ProcessFlow<Nothing, Counter>("coding.v1", initialData: { _ in Counter() }) {
            Do("look") { _ in }
            Do("count") { context in context.data.count += 1 }
        }
        let now = Date(timeIntervalSince1970: 1)
        var update = await untouched.advance(
            record(input: "{}", data: #"{"count":0}"#), leaseToken: 1, now: now, worker: "w", defaultPollInterval: .seconds(5),
            logger: testLogger
        )
        #expect(update.status == .running)
        #expect(update.data == nil)
        var next = record(input: "{}", data: #"{"count":0}"#)
        next.state = try #require(update.state)
        update = await untouched.advance(next, leaseToken: 1, now: now, worker: "w", defaultPollInterval: .seconds(5), logger: testLogger)
        #expect(update.status == .completed)
        #expect(update.data == Data(#"{"count":1}"#.utf8))
    }

    @Test func emptyInputAndDataStillFailOnBytesTheyCannotDecode() async throws {
        let flow = try ProcessFlow<Strict, Strict>("coding.v1", initialData: { _ in Strict() }) {
            Do("only") { _ in }
        }
        let now = Date(timeIntervalSince1970: 1)
        let good = await flow.advance(record(input: "{}", data: "{}"), leaseToken: 1, now: now, worker: "w", defaultPollInterval: .seconds(5), logger: testLogger)
        #expect(good.status == .completed)
        #expect(good.data == nil)
        let badInput = await flow.advance(record(input: #"{"x":1}"#, data: "{}"), leaseToken: 1, now: now, worker: "w", defaultPollInterval: .seconds(5), logger: testLogger)
        #expect(badInput.status == .failed)
        #expect(badInput.lastError?.contains("input cannot be decoded") == true)
        let badData = await flow.advance(record(input: "{}", data: "[]"), leaseToken: 1, now: now, worker: "w", defaultPollInterval: .seconds(5), logger: testLogger)
        #expect(badData.status == .failed)
        #expect(badData.lastError?.contains("data cannot be decoded") == true)
    }
}
