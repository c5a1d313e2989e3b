import Foundation
import Synchronization

/// The JSON of a type without stored properties — `MemoryLayout<Value>.size == 0`, like `struct NoData: Codable {}`
/// — decoded and encoded once rather than at every step.
///
/// Every value of such a type is the same value: it holds no field and no reference. So the value decoded from
/// some bytes is the value any later decoding of the same bytes gives, and the bytes one value encodes to are the
/// bytes every value encodes to (encoding depends on the value, as it does for every `Codable` type that does not
/// write the time or a random number). Decoding and encoding a small value with `JSONDecoder` and `JSONEncoder` cost
/// more than half of a no-op step; a flow whose input or data carries nothing pays it once.
///
/// Bytes other than the ones already decoded are decoded again (and remembered instead), so an error is still
/// reported for bytes that do not decode.
///
/// The decoded value is kept as `any Sendable`, so that the lock's type does not depend on `Value`: the worker calls
/// this code unspecialised (the flow's types are known only at run time), and a `Mutex<(Data, Value)?>` made the
/// runtime look up that type's generic metadata at every call, which cost more than the rest of the call
/// (callgrind, `RuntimeBenchmarks phases`; see Benchmarks/RUNTIME_RESULTS.md). Casting the value back costs less.
final class EmptyValueCoding<Value: Codable & Sendable>: Sendable {
    private let decoded = Mutex<(bytes: Data, value: any Sendable)?>(nil)
    private let encoded = Mutex<Data?>(nil)

    /// A cache for `Value`, or `nil` when `Value` has stored properties (its values differ from one another).
    static func ifEmpty() -> EmptyValueCoding? {
        MemoryLayout<Value>.size == 0 ? EmptyValueCoding() : nil
    }

    private init() {}

    /// The value of `bytes`.
    func decode(_ bytes: Data, with decoder: JSONDecoder) throws -> Value {
        if let value = decoded.withLock({ cached in cached.flatMap { $0.bytes == bytes ? $0.value : nil } }) as? Value {
            return value
        }
        let value = try decoder.decode(Value.self, from: bytes)
        decoded.withLock { $0 = (bytes, value) }
        return value
    }

    /// The bytes of `value`.
    func encode(_ value: Value, with encoder: JSONEncoder) throws -> Data {
        if let bytes = encoded.withLock({ $0 }) { return bytes }
        let bytes = try encoder.encode(value)
        encoded.withLock { $0 = bytes }
        return bytes
    }
}
