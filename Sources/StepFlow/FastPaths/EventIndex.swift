// FAST PATH — hand-written hashing and unaligned loads; keep it small, and keep its tests
// (Tests/StepFlowTests/EventIndexTests.swift) and its benchmarks green when changing it.
//
// Why it exists: a state loaded from storage is a list of strings, and `apply` must map each to an event id.
// With `[String: Int32]` that look-up alone costs about 48 ns (seeded SipHash, then Unicode-aware `==`);
// this index costs about 9 ns for the hash and an 8-bytes-at-a-time comparison. Benchmarks that justify it
// (Benchmarks/Benchmarks/StepFlowBenchmarks, figures in Benchmarks/RESULTS.md): "WaitFor poll: state built from
// strings" and "Apply: N-step flow, state built from strings" against "Reference: [String: Int32] look-up of one
// event string" and "Reference: Swift Hasher (SipHash) of one event string".

/// A read-only hash table from event strings to event ids.
///
/// Event names are fixed when a flow is compiled and are not attacker-chosen keys of an unbounded table, so a
/// fast unseeded hash over the UTF-8 bytes (wyhash-style, one 128-bit multiply per 16 bytes) is enough, and a hit
/// is confirmed by comparing the bytes with a copy of every name kept in one contiguous buffer (8 bytes at a
/// time): a collision costs time, never correctness. A state built from strings is resolved with one such
/// look-up per event, without allocating and without retaining the strings.
///
/// Matching is by UTF-8 bytes, as go-stepflow matches: a non-ASCII name written in another Unicode normalisation
/// form is a different event.
@usableFromInline
struct EventIndex: Sendable {
    /// One open-addressing slot: the name's full hash and its event id (`-1`: empty).
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var hash: UInt64
        @usableFromInline var id: Int32
    }

    /// Open-addressed slots (capacity a power of two, at most half full).
    @usableFromInline let slots: [Slot]
    /// Every name's UTF-8 bytes, one after the other, in event id order.
    @usableFromInline let bytes: [UInt8]
    /// Where each event id's name starts in `bytes`; `offsets[id + 1]` is where it ends.
    @usableFromInline let offsets: [Int]
    @usableFromInline let mask: Int

    /// An index of `names`: name `i` has event id `i`.
    init(names: [String]) {
        self.init(names: names, hashes: names.map(EventIndex.hash))
    }

    /// An index of `names` filed under the given hashes (`hashes[i]` for `names[i]`): tests force collisions
    /// with it, and look the names up with ``id(ofUTF8:hash:)``.
    init(names: [String], hashes: [UInt64]) {
        precondition(names.count == hashes.count, "one hash per name")
        var capacity = 16
        while capacity < names.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(hash: 0, id: -1), count: capacity)
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(names.count + 1)
        for (id, name) in names.enumerated() {
            let hash = hashes[id]
            var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while slots[slot].id >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Slot(hash: hash, id: Int32(id))
            bytes.append(contentsOf: name.utf8)
            offsets.append(bytes.count)
        }
        self.slots = slots
        self.bytes = bytes
        self.offsets = offsets
        self.mask = capacity - 1
    }

    /// The id of `event`, or `nil` if the flow has no such event.
    @inlinable @inline(__always)
    func id(of event: String) -> Int32? {
        // A native string lends its own storage (no copy, no retain); others are copied once.
        if let id = event.utf8.withContiguousStorageIfAvailable({ id(ofUTF8: UnsafeRawBufferPointer($0)) }) {
            return id
        }
        var copy = event
        return copy.withUTF8 { id(ofUTF8: UnsafeRawBufferPointer($0)) }
    }

    /// The id of the event whose UTF-8 bytes are `name`, or `nil`.
    @inlinable @inline(__always)
    func id(ofUTF8 name: UnsafeRawBufferPointer) -> Int32? {
        id(ofUTF8: name, hash: EventIndex.hash(name))
    }

    /// The id of the event whose UTF-8 bytes are `name`, looked up under `hash` (the name's hash, or the one a
    /// test filed it under).
    @inlinable
    func id(ofUTF8 name: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            offsets.withUnsafeBufferPointer { offsets in
                bytes.withUnsafeBytes { bytes in
                    var slot = Int(truncatingIfNeeded: hash) & mask
                    while true {
                        let candidate = slots[slot]
                        if candidate.id < 0 { return nil }
                        if candidate.hash == hash {
                            let start = offsets[Int(candidate.id)]
                            let count = offsets[Int(candidate.id) + 1] &- start
                            if count == name.count && EventIndex.equal(bytes.baseAddress! + start, name.baseAddress, count) {
                                return candidate.id
                            }
                        }
                        slot = (slot &+ 1) & mask
                    }
                }
            }
        }
    }

    /// Whether the `count` bytes at `a` and `b` are equal, compared 8 bytes at a time.
    @inlinable
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer?, _ count: Int) -> Bool {
        guard count > 0, let b else { return count == 0 }
        var offset = 0
        while offset &+ 8 <= count {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset &+= 8
        }
        if offset == count { return true }
        if count >= 8 {
            // The last 8 bytes, overlapping the words already compared.
            return a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        }
        while offset < count {
            if a.load(fromByteOffset: offset, as: UInt8.self) != b.load(fromByteOffset: offset, as: UInt8.self) { return false }
            offset &+= 1
        }
        return true
    }

    /// A fast, unseeded hash of the string's UTF-8 bytes.
    @inlinable
    static func hash(_ string: String) -> UInt64 {
        if let hash = string.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
            return hash
        }
        var copy = string
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// A fast, unseeded hash of `bytes`, after wyhash: 16 bytes per round, each round one 64×64→128-bit
    /// multiply whose two halves are folded together, so every input bit reaches the low bits the table
    /// indexes with. A 40-byte event name costs four multiplies and no byte loop (the last 16 bytes are
    /// read as two words, overlapping what the rounds already mixed).
    ///
    /// A plain multiplicative hash (`(h ^ word) * k`) is not enough here: the low bits of a product depend
    /// only on the low bits of its operands, and event names of one flow differ mostly in their last
    /// bytes (`…/step499`, `…/step500`), which land in the high bits of the last word, so such names
    /// crowd into a few slots (measured: 40 probes per look-up on average in a 1,000-step flow).
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let p0: UInt64 = 0xA076_1D64_78BD_642F
        let p1: UInt64 = 0xE703_7ED1_A0B4_28DB
        let count = bytes.count
        var seed = p0 ^ UInt64(truncatingIfNeeded: count)
        var a: UInt64 = 0
        var b: UInt64 = 0
        if let base = bytes.baseAddress {
            if count <= 16 {
                if count >= 8 {
                    a = base.loadUnaligned(as: UInt64.self)
                    b = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                } else if count >= 4 {
                    a = UInt64(base.loadUnaligned(as: UInt32.self))
                    b = UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
                } else if count > 0 {
                    // 1 to 3 bytes: first, middle and last byte.
                    a = UInt64(base.load(as: UInt8.self))
                        | UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self)) << 8
                        | UInt64(base.load(fromByteOffset: count &- 1, as: UInt8.self)) << 16
                }
            } else {
                var offset = 0
                while count &- offset > 16 {
                    seed = mix(
                        base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ p1,
                        base.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self) ^ seed
                    )
                    offset &+= 16
                }
                a = base.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self)
                b = base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            }
        }
        return mix(p1 ^ UInt64(truncatingIfNeeded: count), mix(a ^ p1, b ^ seed))
    }

    /// The 128-bit product of `a` and `b`, its halves folded together.
    @inlinable
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}
