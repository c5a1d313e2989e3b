/// Text as PostgreSQL's `text` columns can hold it.
///
/// PostgreSQL refuses U+0000 in text ("invalid byte sequence for encoding UTF8: 0x00"), and one such value fails
/// the whole statement: a step error that quotes binary output would make every commit of its batch fail, over and
/// over. Free-form texts (errors, cancel reasons) are therefore written with U+FFFD in place of each U+0000.
enum PostgresText {
    /// `text` with each U+0000 replaced by U+FFFD (the same string when it has none, which is the usual case).
    static func storable(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// ``storable(_:)-(String)`` of an optional text.
    static func storable(_ text: String?) -> String? {
        text.map { storable($0) }
    }
}
