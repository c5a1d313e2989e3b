/// A piece of HTML, built by string interpolation that escapes every interpolated `String` (and anything
/// described as text) unless it is itself `HTML`: user-supplied values cannot open a tag or an attribute.
struct HTML: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    /// The markup.
    private(set) var text: String

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    init(raw text: String) { self.text = text }

    var description: String { text }

    /// The interpolation: literals as they are, values escaped.
    struct Interpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }

        mutating func appendLiteral(_ literal: String) { text += literal }

        /// Markup, as it is.
        mutating func appendInterpolation(_ html: HTML) { text += html.text }

        /// Markup pieces, joined.
        mutating func appendInterpolation(_ pieces: [HTML]) { for piece in pieces { text += piece.text } }

        /// Text, escaped.
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }

        /// Text, escaped; `nil` as nothing.
        mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }

        /// A number.
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
    }

    /// `text` with `& < > " '` replaced by entities: safe in element content and in quoted attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// Percent-encodes `text` for a URL path segment or query value (everything but unreserved characters).
    static func urlComponent(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
