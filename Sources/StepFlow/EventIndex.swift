/// A read-only hash table from event strings to event ids.
///
/// Swift's default `Hasher` is seeded SipHash, which costs more per event string than a whole apply
/// should. Event names are fixed when a flow is compiled and are not attacker-chosen keys of an
/// unbounded table, so a fast word-at-a-time multiplicative hash over the UTF-8 bytes is enough;
/// every hit is confirmed by a full comparison, so a collision costs time, never correctness.
@usableFromInline
struct EventIndex: Sendable {
    /// Open-addressed slots (capacity a power of two, at most half full); `-1` marks an empty slot.
    @usableFromInline let slots: [Int32]
    /// The hash of each event id's name.
    @usableFromInline let hashes: [UInt64]
    /// The name of each event id.
    @usableFromInline let names: [String]
    @usableFromInline let mask: Int

    init(names: [String]) {
        var capacity = 16
        while capacity < names.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        var hashes: [UInt64] = []
        hashes.reserveCapacity(names.count)
        for (id, name) in names.enumerated() {
            let hash = EventIndex.hash(name)
            hashes.append(hash)
            var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(id)
        }
        self.slots = slots
        self.hashes = hashes
        self.names = names
        self.mask = capacity - 1
    }

    /// The id of `event`, or `nil` if the flow has no such event.
    @inlinable
    func id(of event: String) -> Int32? {
        let hash = EventIndex.hash(event)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let candidate = slots[slot]
            if candidate < 0 { return nil }
            if hashes[Int(candidate)] == hash && names[Int(candidate)] == event { return candidate }
            slot = (slot + 1) & mask
        }
    }

    /// A fast, unseeded hash of the string's UTF-8 bytes.
    @inlinable
    static func hash(_ string: String) -> UInt64 {
        var string = string
        return string.withUTF8 { bytes in hash(UnsafeRawBufferPointer(bytes)) }
    }

    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        let count = bytes.count
        var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(truncatingIfNeeded: count)
        var offset = 0
        while offset + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* multiplier
        return hash ^ (hash >> 32)
    }
}
