import Foundation

/// The identifier of one process: caller-chosen (an application name, a resource UID) or generated.
public struct ProcessID: RawRepresentable, Hashable, Sendable, Codable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The identifier's text.
    public let rawValue: String

    /// An identifier with the given text.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// An identifier with the given text.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// An identifier from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// A new random identifier (a lowercase UUID).
    public static func random() -> ProcessID { ProcessID(UUID().uuidString.lowercased()) }

    /// The identifier's text.
    public var description: String { rawValue }

    /// Orders identifiers by their text.
    public static func < (lhs: ProcessID, rhs: ProcessID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Decodes the identifier from a plain string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the identifier as a plain string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
