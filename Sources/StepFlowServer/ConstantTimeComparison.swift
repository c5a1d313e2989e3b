/// Compares secrets (tokens, CSRF tokens, session ids) in time that depends only on the length of the expected
/// secret, not on where the first differing byte is: an attacker timing responses learns nothing about the prefix
/// they got right.
enum ConstantTimeComparison {
    /// Whether `given` equals `expected`, byte for byte. Every byte of `expected` is visited whatever `given` is;
    /// a length difference is folded into the result instead of returning early.
    static func equal(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<b.count {
            // Reads `given` at the same index, or at 0 when it is shorter (the length difference already counts).
            let x = a.isEmpty ? 0 : a[index < a.count ? index : 0]
            difference |= x ^ b[index]
        }
        return difference == 0
    }
}
