import Foundation
import PostgresNIO

/// A one-dimensional array bound as one parameter, in PostgreSQL's binary array format, whose elements may be
/// NULL: a batch's values of one column, read back row by row with `unnest($1::text[], $2::bigint[], …)`.
///
/// PostgresNIO binds Swift arrays too, but not arrays with NULL elements (an update's state, data, due time, step
/// count and error may each be absent). The elements are written straight into one buffer as they are appended.
struct ArrayParameter: PostgresDynamicTypeEncodable {
    /// The array's type (`text[]`, `bigint[]`, `bytea[]`).
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    private let elementType: PostgresDataType
    private(set) var count = 0
    private var elements = ByteBuffer()

    private init(element: PostgresDataType, array: PostgresDataType, capacity: Int) {
        elementType = element
        psqlType = array
        elements.reserveCapacity(capacity)
    }

    /// An empty `text[]`.
    static func text(capacity: Int = 0) -> Self { Self(element: .text, array: .textArray, capacity: capacity * 16) }
    /// An empty `bigint[]`.
    static func bigint(capacity: Int = 0) -> Self { Self(element: .int8, array: .int8Array, capacity: capacity * 12) }
    /// An empty `bytea[]`.
    static func bytea(capacity: Int = 0) -> Self { Self(element: .bytea, array: .byteaArray, capacity: capacity * 16) }

    /// Appends a `text` element (NULL for `nil`).
    mutating func append(_ value: String?) {
        count += 1
        guard let value else {
            elements.writeInteger(-1, as: Int32.self)
            return
        }
        let lengthIndex = elements.writerIndex
        elements.writeInteger(0, as: Int32.self)
        let length = elements.writeString(value)
        elements.setInteger(Int32(length), at: lengthIndex)
    }

    /// Appends a `bigint` element (NULL for `nil`).
    mutating func append(_ value: Int64?) {
        count += 1
        guard let value else {
            elements.writeInteger(-1, as: Int32.self)
            return
        }
        elements.writeInteger(8, as: Int32.self)
        elements.writeInteger(value, as: Int64.self)
    }

    /// Appends a `bytea` element (NULL for `nil`).
    mutating func append(_ value: Data?) {
        count += 1
        guard let value else {
            elements.writeInteger(-1, as: Int32.self)
            return
        }
        elements.writeInteger(Int32(value.count), as: Int32.self)
        elements.writeBytes(value)
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // Dimensions (0 for an empty array), a has-NULLs flag (the server finds NULLs by their length of -1 anyway)
        // and the element type; then the one dimension's length and lower bound, and the elements.
        buffer.writeInteger(count == 0 ? 0 : 1, as: Int32.self)
        buffer.writeInteger(1, as: Int32.self)
        buffer.writeInteger(elementType.rawValue, as: UInt32.self)
        guard count > 0 else { return }
        buffer.writeInteger(Int32(count), as: Int32.self)
        buffer.writeInteger(1, as: Int32.self)
        buffer.writeImmutableBuffer(elements)
    }
}
