@testable import StepFlow
import Testing

/// Direct tests of the fast path `EventIndex` (hand-written hash, unaligned loads), against a reference that
/// matches by UTF-8 bytes with Swift's own dictionary.
@Suite struct EventIndexTests {
    /// A scalar from each of the 17 Unicode planes (planes 4–13 are unassigned, but valid scalars all the same).
    static let everyPlane: [String] = (0...16).map { plane in
        let value: UInt32 = plane == 0 ? 0x0416 : UInt32(plane) << 16 | (plane == 15 || plane == 16 ? 0xFFFD : 0x0101)
        return String(Character(Unicode.Scalar(value)!))
    }

    /// Names a hand-written hash and comparison could get wrong.
    static let adversarial: [String] = {
        var names: [String] = [
            "", " ", "\0", "\0\0", "\0\0\0\0\0\0\0\0", "\0\0\0\0\0\0\0\0\0",
            "\"", "\\", "\\\"", "\"\\\"", "'", "`", "\n", "\r\n", "\r", "\t", "\u{7F}", "\u{1B}[31m", "\u{85}", "\u{2028}",
            "start:", "completed:", "start:deploy/v1", "start:deploy/v1/", "start:deploy/v1//", "start:deploy:v1",
            "é", "e\u{301}", "Å", "A\u{30A}", "\u{212B}",  // one text, several byte spellings: each its own name
            "🇨🇭", "👩‍👩‍👧", "\u{FEFF}", "\u{FFFD}", "\u{10FFFF}",
            String(repeating: "a", count: 100_000), String(repeating: "a", count: 99_999) + "b",
            "b" + String(repeating: "a", count: 99_999), String(repeating: "é", count: 50_000),
        ]
        names += everyPlane
        names.append(everyPlane.joined())
        // Names of every length from 1 to 40 that differ from each other in only one byte, at each position.
        for length in 1...40 {
            let base = String(repeating: "x", count: length)
            names.append(base)
            for position in 0..<length {
                var bytes = Array(base.utf8)
                bytes[position] = UInt8(ascii: "y")
                names.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return names
    }()

    /// Every name's id, by its bytes: what the index must answer.
    static func reference(_ names: [String]) -> [[UInt8]: Int32] {
        var reference: [[UInt8]: Int32] = [:]
        for (id, name) in names.enumerated() where reference[Array(name.utf8)] == nil { reference[Array(name.utf8)] = Int32(id) }
        return reference
    }

    @Test func findsEveryAdversarialNameByItsBytes() {
        let names = Self.adversarial
        #expect(Set(names.map { Array($0.utf8) }).count == names.count, "the test's names must be distinct byte strings")
        let index = EventIndex(names: names)
        for (id, name) in names.enumerated() {
            #expect(index.id(of: name) == Int32(id), "\(name.debugDescription.prefix(40))")
        }
        // Canonically equivalent spellings are equal Swift strings but different events, as in go-stepflow.
        #expect("é" == "e\u{301}")
        #expect(index.id(of: "é") != index.id(of: "e\u{301}"))
    }

    @Test func refusesNamesItDoesNotHold() {
        let index = EventIndex(names: Self.adversarial)
        for missing in [
            "x" + String(repeating: "x", count: 40), "\0\0\0", "\0\0\0\0\0\0\0", "\u{10FFFE}", "start:deploy/v2",
            String(repeating: "a", count: 100_001), String(repeating: "a", count: 99_999), "é\u{301}", "\"\"",
            "xxxxxxxxxxxxxxxxz", "yy",
        ] {
            #expect(index.id(of: missing) == nil, "\(missing.debugDescription.prefix(40))")
        }
        #expect(EventIndex(names: []).id(of: "") == nil)
        #expect(EventIndex(names: []).id(of: "start:x") == nil)
        #expect(EventIndex(names: [""]).id(of: "") == 0)
        #expect(EventIndex(names: [""]).id(of: "\0") == nil)
    }

    @Test func forcedHashCollisionsAreResolvedByTheBytes() {
        let names = Self.adversarial
        // Every name under one hash: every look-up probes past the others and must compare bytes.
        let same = EventIndex(names: names, hashes: Array(repeating: 0x5EED, count: names.count))
        // Every name under a hash with the same low bits (one slot), but different full hashes.
        let sameSlot = EventIndex(names: names, hashes: names.indices.map { UInt64($0 + 1) << 40 })
        for (id, name) in names.enumerated() {
            var copy = name
            copy.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                #expect(same.id(ofUTF8: raw, hash: 0x5EED) == Int32(id))
                #expect(same.id(ofUTF8: raw, hash: 0x5EEE) == nil)
                #expect(sameSlot.id(ofUTF8: raw, hash: UInt64(id + 1) << 40) == Int32(id))
                #expect(sameSlot.id(ofUTF8: raw, hash: UInt64(id + 2) << 40) == nil)
            }
        }
        var unknown = "not a name"
        unknown.withUTF8 { bytes in
            #expect(same.id(ofUTF8: UnsafeRawBufferPointer(bytes), hash: 0x5EED) == nil)
        }
    }

    @Test func bytesAreComparedExactlyAtEveryLength() {
        // `equal` compares 8 bytes at a time and then the last 8 (overlapping): a difference anywhere must count.
        for length in 0...70 {
            let a = [UInt8](repeating: 0xAB, count: length)
            for position in 0..<length {
                var b = a
                b[position] ^= 0x01
                let differs = a.withUnsafeBytes { a in b.withUnsafeBytes { b in EventIndex.equal(a.baseAddress!, b.baseAddress, length) } }
                #expect(!differs, "length \(length), position \(position)")
            }
            let same = a.withUnsafeBytes { a in
                a.withUnsafeBytes { b in EventIndex.equal(a.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, b.baseAddress, length) }
            }
            #expect(same)
        }
    }

    @Test func hashOfAStringIsTheHashOfItsBytes() {
        for name in Self.adversarial.prefix(200) {
            var copy = name
            let bytes = copy.withUTF8 { EventIndex.hash(UnsafeRawBufferPointer($0)) }
            #expect(EventIndex.hash(name) == bytes)
            #expect(EventIndex.hash(String(name[...])) == bytes)  // a substring's copy
        }
        // The length is mixed in: runs of zero bytes of different lengths hash apart.
        let zeros = (0...64).map { EventIndex.hash(String(repeating: "\0", count: $0)) }
        #expect(Set(zeros).count == zeros.count)
    }

    @Test func agreesWithADictionaryOnRandomNames() {
        var generator = SplitMix64(seed: 0x5EED_F10E)
        for round in 0..<20 {
            let count = Int(generator.next() % 600)
            var names: [String] = []
            var seen = Set<[UInt8]>()
            while names.count < count {
                let name = Self.randomName(&generator, maxLength: round % 4 == 0 ? 300 : 40)
                if seen.insert(Array(name.utf8)).inserted { names.append(name) }
            }
            let index = EventIndex(names: names)
            let reference = Self.reference(names)
            for name in names { #expect(index.id(of: name) == reference[Array(name.utf8)]) }
            for _ in 0..<500 {
                let probe = Self.randomName(&generator, maxLength: 40)
                #expect(index.id(of: probe) == reference[Array(probe.utf8)], "\(probe.debugDescription)")
            }
        }
    }

    /// A random name: ASCII letters, separators, control characters, quotes and scalars of every plane.
    static func randomName(_ generator: inout SplitMix64, maxLength: Int) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "b", "/", ":", "\"", "\\", "\0", "\n", "\u{7F}", "é", "\u{301}", "中", "😀", "\u{10FFFD}"]
            + everyPlane.map { $0.unicodeScalars.first! }
        let length = Int(generator.next() % UInt64(maxLength + 1))
        var name = "start:f/"
        for _ in 0..<length { name.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
        return name
    }
}

/// A small, seeded random number generator, so that a failure can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
