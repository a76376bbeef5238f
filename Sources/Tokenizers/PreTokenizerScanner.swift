/// The hand-written scanner behind `PreTokenizerVariant.scanner`: the alternations of the `gpt2`, `smollm`,
/// `llama3` and `qwen2` splits decided scalar by scalar, with no regular-expression engine, and the `Digits`
/// steps of `PreTokenizer.digits` around them.
///
/// The text is decoded once into per-scalar byte offsets and character classes (`\p{L}`, `\p{N}`,
/// White_Space, `\r\n`, space, apostrophe); each alternative of the pattern is then a check over those
/// classes, tried in the pattern's order at the current position (leftmost-first, like the regex engine).
/// Output: the byte offsets where words end (words are contiguous and cover the text).
struct PreTokenizerScanner {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let space: UInt8 = 4  // White_Space
    static let newline: UInt8 = 8  // \r or \n
    static let blank: UInt8 = 16  // U+0020 exactly

    /// Class bits of ASCII scalars.
    static let asciiClasses: [UInt8] = (0..<128).map { v -> UInt8 in
        let s = Unicode.Scalar(UInt8(v))
        return classify(s)
    }

    @inline(__always) static func classify(_ s: Unicode.Scalar) -> UInt8 {
        var c: UInt8 = 0
        let p = s.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: c |= letter
        case .decimalNumber, .letterNumber, .otherNumber: c |= number
        default: break
        }
        if p.isWhitespace { c |= space }
        if s == "\r" || s == "\n" { c |= newline }
        if s == " " { c |= blank }
        return c
    }

    var offsets: [Int] = []  // byte offset of each scalar, plus the end
    var classes: [UInt8] = []

    /// Decodes `bytes` (valid UTF-8) into offsets and classes.
    mutating func load(_ bytes: UnsafeBufferPointer<UInt8>) {
        offsets.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            offsets.append(i)
            if b0 < 0x80 {
                classes.append(Self.asciiClasses[Int(b0)])
                i += 1
                continue
            }
            var v: UInt32
            var len: Int
            if b0 >= 0xF0 { v = UInt32(b0 & 0x07); len = 4 } else if b0 >= 0xE0 { v = UInt32(b0 & 0x0F); len = 3 } else {
                v = UInt32(b0 & 0x1F); len = 2
            }
            len = min(len, n - i)
            for k in 1..<max(len, 1) { v = (v << 6) | UInt32(bytes[i + k] & 0x3F) }
            classes.append(Unicode.Scalar(v).map(Self.classify) ?? 0)
            i += max(len, 1)
        }
        offsets.append(n)
    }

    /// Splits `bytes` with `kind`, appending word end offsets to `ends`.
    mutating func split(_ bytes: UnsafeBufferPointer<UInt8>, kind: PreTokenizer, into ends: inout [Int]) {
        load(bytes)
        split(bytes, kind: kind, 0, classes.count, into: &ends)
    }

    /// Splits scalars `start..<end` with `kind` (nothing for an empty range).
    private func split(_ bytes: UnsafeBufferPointer<UInt8>, kind: PreTokenizer, _ start: Int, _ end: Int,
                       into ends: inout [Int]) {
        guard start < end else { return }
        switch kind {
        case .gpt2: scan(bytes, start, end, llamaStyle: false, maxDigits: Int.max, into: &ends)
        case .llama3: scan(bytes, start, end, llamaStyle: true, maxDigits: 3, into: &ends)
        case .qwen2: scan(bytes, start, end, llamaStyle: true, maxDigits: 1, into: &ends)
        case .smollm: split(bytes, kind: .digits(.before, .gpt2), start, end, into: &ends)
        case .metaspace:
            // A word starts at every ▁ (E2 96 81).
            for i in (start + 1)..<end {
                let o = offsets[i]
                if bytes[o] == 0xE2, o + 2 < bytes.count, bytes[o + 1] == 0x96, bytes[o + 2] == 0x81 { ends.append(o) }
            }
            ends.append(offsets[end])
        case .none:
            ends.append(offsets[end])
        case .regex:
            preconditionFailure("the scanner has no regex engine; use RegexPreTokenizer")
        case let .digits(.before, base):
            // Every \p{N} is a word; `base` runs on each stretch between them.
            var from = start
            for i in start..<end where classes[i] & Self.number != 0 {
                split(bytes, kind: base, from, i, into: &ends)
                ends.append(offsets[i + 1])
                from = i + 1
            }
            split(bytes, kind: base, from, end, into: &ends)
        case let .digits(.after, base):
            // `base` first, then every \p{N} scalar cut out of its word.
            let first = ends.count
            split(bytes, kind: base, start, end, into: &ends)
            guard classes[start..<end].contains(where: { $0 & Self.number != 0 }) else { return }
            let words = Array(ends[first...])
            ends.removeSubrange(first...)
            var cursor = offsets[start]
            var i = start
            for wordEnd in words {
                while i < end, offsets[i] < wordEnd {
                    if classes[i] & Self.number != 0 {
                        if cursor < offsets[i] { ends.append(offsets[i]) }
                        cursor = offsets[i + 1]
                        ends.append(cursor)
                    }
                    i += 1
                }
                if cursor < wordEnd { ends.append(wordEnd) }
                cursor = wordEnd
            }
        case let .digits(.afterByteLevel, base):
            let first = ends.count
            split(bytes, kind: base, start, end, into: &ends)
            Self.isolateByteLevelDigits(bytes, from: offsets[start], ends: &ends, first: first)
        }
    }

    /// Cuts every byte whose byte-level character is numeric out of the words ending at `ends[first...]`
    /// (the first of them starting at byte `from`): `Digits` run after `ByteLevel`.
    static func isolateByteLevelDigits(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, ends: inout [Int], first: Int) {
        let digit = PreTokenizer.byteLevelDigits
        guard let last = ends.last, first < ends.count,
              bytes[from..<last].contains(where: { digit[Int($0)] }) else { return }
        let words = Array(ends[first...])
        ends.removeSubrange(first...)
        var cursor = from
        for wordEnd in words {
            for k in cursor..<wordEnd where digit[Int(bytes[k])] {
                if cursor < k { ends.append(k) }
                cursor = k + 1
                ends.append(cursor)
            }
            if cursor < wordEnd { ends.append(wordEnd) }
            cursor = wordEnd
        }
    }

    /// Length of a contraction (`'s 't 're 've 'm 'll 'd`) at scalar `i`, or 0.
    @inline(__always) private func contraction(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int,
                                               caseInsensitive: Bool) -> Int {
        guard bytes[offsets[i]] == UInt8(ascii: "'"), i + 1 < end else { return 0 }
        @inline(__always) func ascii(_ k: Int) -> UInt8 {
            guard k < end else { return 0 }
            let b = bytes[offsets[k]]
            guard b < 0x80 else { return 0 }
            return caseInsensitive && b >= 65 && b <= 90 ? b + 32 : b
        }
        let a = ascii(i + 1)
        switch a {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"): return ascii(i + 2) == UInt8(ascii: "e") ? 3 : 0
        case UInt8(ascii: "l"): return ascii(i + 2) == UInt8(ascii: "l") ? 3 : 0
        default: return 0
        }
    }

    /// The GPT-2 / Llama-3 alternation over scalars `start..<end`.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, llamaStyle: Bool,
                      maxDigits: Int, into ends: inout [Int]) {
        let L = Self.letter, N = Self.number, S = Self.space, NL = Self.newline, SP = Self.blank
        var i = start
        while i < end {
            let c = classes[i]
            // 1. contractions
            let k = contraction(bytes, i, end, caseInsensitive: llamaStyle)
            if k > 0 {
                i += k; ends.append(offsets[i]); continue
            }
            // 2. letters with an optional one-scalar prefix
            let next: UInt8 = i + 1 < end ? classes[i + 1] : 0
            let prefixOK = llamaStyle ? (c & (L | N | NL) == 0) : (c & SP != 0)
            if c & L != 0 || (prefixOK && next & L != 0) {
                var j = c & L != 0 ? i + 1 : i + 2
                while j < end, classes[j] & L != 0 { j += 1 }
                i = j; ends.append(offsets[i]); continue
            }
            // 3. numbers
            if llamaStyle {
                if c & N != 0 {
                    var j = i + 1
                    while j < end, j - i < maxDigits, classes[j] & N != 0 { j += 1 }
                    i = j; ends.append(offsets[i]); continue
                }
            } else if c & N != 0 || (c & SP != 0 && next & N != 0) {
                var j = c & N != 0 ? i + 1 : i + 2
                while j < end, classes[j] & N != 0 { j += 1 }
                i = j; ends.append(offsets[i]); continue
            }
            // 4. ` ?[^\s\p{L}\p{N}]+` (llama: then `[\r\n]*`)
            let other: (UInt8) -> Bool = { $0 & (S | L | N) == 0 }
            if other(c) || (c & SP != 0 && i + 1 < end && other(next)) {
                var j = other(c) ? i + 1 : i + 2
                while j < end, other(classes[j]) { j += 1 }
                if llamaStyle { while j < end, classes[j] & NL != 0 { j += 1 } }
                i = j; ends.append(offsets[i]); continue
            }
            // Whitespace: c is White_Space here.
            var e = i + 1
            while e < end, classes[e] & S != 0 { e += 1 }
            // 5. llama: `\s*[\r\n]+` ends after the last newline of the run.
            if llamaStyle {
                var last = -1
                for j in stride(from: e - 1, through: i, by: -1) where classes[j] & NL != 0 { last = j; break }
                if last >= 0 {
                    i = last + 1; ends.append(offsets[i]); continue
                }
            }
            // 6. `\s+(?!\S)`: the whole run at the end of the text, else all but its last scalar.
            if e == end {
                i = e; ends.append(offsets[i]); continue
            }
            if e - i >= 2 {
                i = e - 1; ends.append(offsets[i]); continue
            }
            // 7. `\s+`
            i = e; ends.append(offsets[i])
        }
    }
}
