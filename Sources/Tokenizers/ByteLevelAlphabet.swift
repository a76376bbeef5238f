/// GPT-2's reversible map from the 256 byte values to 256 printable Unicode scalars.
///
/// Bytes that are already printable and not blank — `!`…`~`, `¡`…`¬`, `®`…`ÿ` — map to themselves;
/// the other 68 bytes map, in increasing order, to U+0100, U+0101, … . So `0x20` (space) is `Ġ` (U+0120)
/// and `0x0A` (newline) is `Ċ` (U+010A). Byte-level BPE vocabularies are spelled in this alphabet.
public enum ByteLevelAlphabet {
    /// `scalar[b]` is the scalar byte `b` is spelled with.
    public static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar of the alphabet stands for, or nil for scalars outside the alphabet.
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 256 { return isPrintable(Int(v)) ? UInt8(v) : nil }
        guard v < 256 + 68 else { return nil }
        return inverseHigh[Int(v - 256)]
    }

    /// The alphabet spelling of arbitrary bytes.
    public static func spell<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalars[Int(b)]) }
        return String(s)
    }

    /// The bytes behind an alphabet spelling, or nil when a scalar is outside the alphabet.
    public static func bytes(of spelling: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(spelling.utf8.count)
        for s in spelling.unicodeScalars {
            guard let b = byte(for: s) else { return nil }
            out.append(b)
        }
        return out
    }

    @inline(__always) static func isPrintable(_ b: Int) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }

    /// `inverseHigh[v - 256]` is the byte spelled U+0100 + (v - 256).
    private static let inverseHigh: [UInt8] = {
        var t: [UInt8] = []
        for b in 0..<256 where !isPrintable(b) { t.append(UInt8(b)) }
        return t
    }()
}
