import Foundation

/// The reference pre-tokenizer: each pattern of a `PreTokenizer` run by `NSRegularExpression` in
/// "isolated" mode (matches and the gaps between them are words), the next pattern on each word of the
/// previous. `\s` / `\S` are rewritten to `\p{White_Space}` / `\P{White_Space}` so that they mean what they
/// mean in Oniguruma (Hugging Face `tokenizers`) rather than ICU's narrower `[\t\n\f\r\p{Z}]`.
/// A `Digits` step after `ByteLevel` is no pattern over the text; it is run on the bytes afterwards.
struct RegexPreTokenizer {
    let expressions: [NSRegularExpression]
    /// Cut the bytes whose byte-level character is numeric out of every word (`digits(.afterByteLevel, _)`).
    let byteLevelDigits: Bool

    init(_ kind: PreTokenizer) throws(TokenizerError) {
        if case .digits(.afterByteLevel, _) = kind { byteLevelDigits = true } else { byteLevelDigits = false }
        var out: [NSRegularExpression] = []
        for p in kind.patterns {
            let icu = p.replacingOccurrences(of: #"\s"#, with: #"\p{White_Space}"#)
                .replacingOccurrences(of: #"\S"#, with: #"\P{White_Space}"#)
            do {
                out.append(try NSRegularExpression(pattern: icu))
            } catch {
                throw .invalid(source: "pre_tokenizer", field: "pattern", reason: "bad regular expression \(p)")
            }
        }
        expressions = out
    }

    /// Appends the byte offsets (in `text.utf8`) where words end.
    func split(_ text: String, into ends: inout [Int]) {
        guard !text.isEmpty else { return }
        let first = ends.count
        // Work in UTF-16 offsets (NSRange) throughout: matches may end inside a grapheme cluster, which
        // `Range<String.Index>(_:in:)` would refuse.
        let ns = text as NSString
        var pieces: [NSRange] = [NSRange(location: 0, length: ns.length)]
        for re in expressions {
            var next: [NSRange] = []
            for piece in pieces {
                var cursor = piece.location
                re.enumerateMatches(in: text, range: piece) { match, _, _ in
                    guard let r = match?.range, r.length > 0 else { return }
                    if cursor < r.location { next.append(NSRange(location: cursor, length: r.location - cursor)) }
                    next.append(r)
                    cursor = r.location + r.length
                }
                let end = piece.location + piece.length
                if cursor < end { next.append(NSRange(location: cursor, length: end - cursor)) }
            }
            pieces = next
        }
        for p in pieces {
            let i = String.Index(utf16Offset: p.location + p.length, in: text)
            ends.append(text.utf8.distance(from: text.utf8.startIndex, to: i))
        }
        if byteLevelDigits {
            Array(text.utf8).withUnsafeBufferPointer {
                PreTokenizerScanner.isolateByteLevelDigits($0, from: 0, ends: &ends, first: first)
            }
        }
    }
}
