import Foundation

/// The rules of process labels, kept in this one place: every store and the client check labels here.
///
/// A label key is 1 to 63 characters of lowercase letters `a-z`, digits `0-9` and `-`, `_`, `.`, `/`; a value is
/// at most 256 bytes of UTF-8; a process has at most 16 labels.
public enum ProcessLabels {
    /// The most labels a process may have.
    public static let maximumCount = 16
    /// The longest key, in characters.
    public static let maximumKeyLength = 63
    /// The longest value, in bytes of UTF-8.
    public static let maximumValueBytes = 256
    /// The characters a key may use, as the errors name them.
    public static let allowedKeyCharacters = "lowercase letters a-z, digits 0-9 and - _ . /"

    /// Checks `labels`.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidInput` naming the first label that breaks a rule and what is allowed.
    public static func validate(_ labels: [String: String]) throws {
        guard labels.count <= maximumCount else {
            throw ProcessStoreError(
                .invalidInput, "\(labels.count) labels given; a process has at most \(maximumCount) labels"
            )
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            try validate(key: key)
            guard value.utf8.count <= maximumValueBytes else {
                throw ProcessStoreError(
                    .invalidInput,
                    "the value of label '\(key)' has \(value.utf8.count) bytes; values have at most \(maximumValueBytes) bytes (UTF-8)"
                )
            }
        }
    }

    /// Checks one key.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidInput` naming the key and what is allowed.
    public static func validate(key: String) throws {
        guard !key.isEmpty else {
            throw ProcessStoreError(.invalidInput, "a label key is empty; keys are 1 to \(maximumKeyLength) characters: \(allowedKeyCharacters)")
        }
        guard key.utf8.count <= maximumKeyLength else {
            throw ProcessStoreError(.invalidInput, "the label key '\(key)' is longer than \(maximumKeyLength) characters")
        }
        guard key.utf8.allSatisfy(isAllowed) else {
            throw ProcessStoreError(
                .invalidInput, "the label key '\(key)' has a character that is not allowed; keys use only \(allowedKeyCharacters)"
            )
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"): true
        default: false
        }
    }

    /// Parses `key=value` (as typed on a command line) and checks the key.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidInput` when there is no `=` or the key is not allowed.
    public static func parse(_ text: String) throws -> (key: String, value: String) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ProcessStoreError(.invalidInput, "the label '\(text)' has no '='; write labels as key=value")
        }
        let key = String(text[..<equals])
        try validate(key: key)
        return (key, String(text[text.index(after: equals)...]))
    }

    /// The labels as the stores keep them: a JSON object with sorted keys.
    public static func json(_ labels: [String: String]) -> String {
        if labels.isEmpty { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(labels), as: UTF8.self)) ?? "{}"
    }

    /// The labels in `json` (as ``json(_:)`` writes them), or `nil` when it is not a JSON object of strings.
    public static func labels(json: String) -> [String: String]? {
        if json == "{}" { return [:] }
        return try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }
}
