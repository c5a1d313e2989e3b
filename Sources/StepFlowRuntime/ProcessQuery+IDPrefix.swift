extension ProcessQuery {
    /// The ids ``idPrefix`` selects, as a range of the id index: from the prefix itself up to, not including,
    /// `upper` (`nil`: no upper bound). `nil` without a prefix. Stores compare ids as UTF-8 bytes, which is the
    /// order of Unicode scalars, so the range holds exactly the ids that start with the prefix.
    public var idRange: (lower: String, upper: String?)? {
        guard let idPrefix else { return nil }
        return (idPrefix, Self.upperBound(ofIDsStartingWith: idPrefix))
    }

    /// Whether `id` starts with ``idPrefix`` (byte for byte), or there is no prefix.
    public func matchesIDPrefix(_ id: ProcessID) -> Bool {
        guard let idPrefix else { return true }
        return id.rawValue.utf8.starts(with: idPrefix.utf8)
    }

    /// The least text above every text that starts with `prefix`: the prefix with its last scalar replaced by the
    /// next scalar (trailing U+10FFFF, which has none, dropped first); `nil` when nothing is left.
    static func upperBound(ofIDsStartingWith prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            // The next scalar value; the surrogates D800–DFFF are not scalars, so after D7FF comes E000.
            let next = last.value == 0xD7FF ? 0xE000 : last.value + 1
            if let scalar = Unicode.Scalar(next) {
                var text = String.UnicodeScalarView()
                text.append(contentsOf: scalars)
                text.append(scalar)
                return String(text)
            }
        }
        return nil
    }
}
