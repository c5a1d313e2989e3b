import Foundation
import GRDB
@testable import StepFlowSQLite
import StepFlowRuntime
import Testing

/// The SQLite store's direct binding through SQLite's C API (`Statement+DirectBinding.swift`), checked on its own:
/// every value bound comes back from SQLite as it was, as GRDB's own binding would return it.
@Suite struct SQLiteStoreBindingTests {
    /// Text that a binding taking the wrong length, stopping at a NUL or mis-encoding UTF-8 would change.
    static let texts: [String] = {
        var texts = ["", "a", "\0", "a\0b", "\0\0\0", "\"'\\", "é", "😀", "👩‍👩‍👧‍👦", String(repeating: "x", count: 1_000_000)]
        for plane in 0...16 {
            if let scalar = UnicodeScalar(UInt32(plane * 0x10000 + 0x41)) { texts.append("\(scalar)\0\(scalar)") }
        }
        texts.append(String(UnicodeScalar(0x10FFFF)!))
        texts += (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        return texts
    }()

    static let values: [DatabaseValue] = {
        var values: [DatabaseValue] = [
            .null, Int64.min.databaseValue, Int64.max.databaseValue, Int64(0).databaseValue, (-1.5).databaseValue,
            Double.greatestFiniteMagnitude.databaseValue, Data().databaseValue, Data([0]).databaseValue,
            Data((0...255).map { UInt8($0) }).databaseValue, Data(repeating: 0xFF, count: 1_000_000).databaseValue,
        ]
        values += texts.map(\.databaseValue)
        return values
    }()

    static func hex(_ data: Data) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count * 2)
        for byte in data {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Binds `values` with the store's binding and reads them back through SQLite.
    static func roundTrip(_ values: [DatabaseValue], in db: Database) throws -> [DatabaseValue] {
        let statement = try db.makeStatement(sql: "SELECT " + values.indices.map { _ in "?" }.joined(separator: ", "))
        try statement.reset(binding: values)
        return try #require(try statement.fetchBoundValues().first)
    }

    @Test func everyValueComesBackAsBound() throws {
        let queue = try DatabaseQueue()
        try queue.read { db in
            for value in Self.values {
                let back = try Self.roundTrip([value], in: db)
                #expect(back == [value], "\(String(describing: value).prefix(60))")
                // SQLite holds every byte bound (a text's NULs included).
                let statement = try db.makeStatement(sql: "SELECT hex(?)")
                try statement.reset(binding: [value])
                let hex = try #require(try statement.fetchBoundValues().first?.first)
                let expected: String = switch value.storage {
                case let .string(text): Self.hex(Data(text.utf8))
                case let .blob(data): Self.hex(data)
                default: String.fromDatabaseValue(hex) ?? ""
                }
                #expect(String.fromDatabaseValue(hex) == expected)
            }
            // Many at once, then rebound with other values: nothing of the first binding is left.
            #expect(try Self.roundTrip(Self.values, in: db) == Self.values)
            let statement = try db.makeStatement(sql: "SELECT ?, ?")
            try statement.reset(binding: ["first".databaseValue, Data([1, 2]).databaseValue])
            _ = try statement.fetchBoundValues()
            try statement.rebind([DatabaseValue.null, "".databaseValue])
            #expect(try statement.fetchBoundValues().first == [.null, "".databaseValue])
        }
    }

    /// Through the store: an error text holding NULs, from any plane, is saved and read back whole.
    @Test func textsWithNULsRoundTripThroughTheStore() async throws {
        let store = try SQLiteProcessStore.temporary()
        try await store.create("p", at: t(0))
        let claimed = try #require(try await store.claim("w1", at: t(1)).first)
        let error = Self.texts.filter { $0.count < 1000 }.joined(separator: "\0|")
        let update = ProcessUpdate(
            id: "p", flowName: "order.v1", leaseToken: claimed.leaseToken, state: ["a\0b"], data: nil, status: .waiting, dueAt: t(5),
            stepCount: 1, attempt: 1, lastError: error, history: nil, now: t(1)
        )
        #expect(try await store.commit([update]) == [.saved])
        let record = try #require(try await store.process("p"))
        #expect(record.lastError == error)
        #expect(record.state == ["a\0b"])
    }

    @Test func emptyTextAndBlobAreNotNull() throws {
        let queue = try DatabaseQueue()
        try queue.read { db in
            let back = try Self.roundTrip(["".databaseValue, Data().databaseValue], in: db)
            #expect(back == ["".databaseValue, Data().databaseValue])
            #expect(!back[0].isNull && !back[1].isNull)
        }
    }

    @Test func randomTextsAndBlobsRoundTrip() throws {
        var generator = SplitMix64(seed: 0xB1ED)
        let pieces = ["a", "\0", "é", "😀", "\u{10FFFF}", "\u{7F}", "\n", "'", "\"", "\\"]
        let pairs: [[DatabaseValue]] = (0..<2000).map { _ in
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let blob = Data((0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            return [text.databaseValue, blob.databaseValue]
        }
        let queue = try DatabaseQueue()
        try queue.read { db in
            for pair in pairs {
                let back = try Self.roundTrip(pair, in: db)
                #expect(back == pair)
            }
        }
    }
}
