import Foundation

/// A BPE tokenizer — byte-level (GPT-2, SmolLM2) or SentencePiece-style with byte fallback (Gemma) — built
/// from a `TokenizerDescription`. Encoding follows Hugging Face `tokenizers`:
///
/// 1. added tokens are cut out of the raw text (leftmost-longest; special ones only if `parseSpecialTokens`);
/// 2. each remaining segment is normalized (SentencePiece: `' '` → `▁`, optional `▁` prefix);
/// 3. pre-tokenized into words (`PreTokenizer`);
/// 4. each word becomes base symbols (bytes in the byte alphabet / Unicode scalars, else `<0xXX>` bytes) and
///    BPE merges run until none applies (`BPEMergeVariant`), with a per-call cache of repeated words;
/// 5. `addSpecialTokens` puts BOS/EOS around the result when the description asks for them.
public struct Tokenizer: Sendable {
    /// Knobs that select code paths; the defaults are the fast ones.
    public struct Params: Sendable, Equatable {
        public var mergeVariant: BPEMergeVariant = .adaptive
        public var preTokenizerVariant: PreTokenizerVariant = .scanner
        /// Remember the ids of words seen before within one `encode` call.
        public var cacheWords = true
        public init(mergeVariant: BPEMergeVariant = .adaptive, preTokenizerVariant: PreTokenizerVariant = .scanner,
                    cacheWords: Bool = true) {
            self.mergeVariant = mergeVariant
            self.preTokenizerVariant = preTokenizerVariant
            self.cacheWords = cacheWords
        }
    }

    public let spec: TokenizerDescription
    public var params: Params

    /// Vocabulary lookup by UTF-8 bytes (the last id wins for duplicated spellings, as in Hugging Face).
    /// Not keyed by `String`: Swift compares strings by canonical equivalence, which would merge distinct
    /// tokens such as U+0301 and U+0341, or "Å" and the Ångström sign.
    let vocab: VocabularyIndex
    let merges: MergeTable
    /// Byte-level: the id of each byte's alphabet character. SentencePiece: the id of `<0xXX>` (−1 if absent).
    let byteIDs: [Int32]  // 256
    /// SentencePiece: `scalarIDs[v]` is the id of the one-scalar token U+v, or −1 (covers up to the largest
    /// such scalar in the vocabulary).
    let scalarIDs: [Int32]
    let allAdded: AddedTokenMatcher
    let nonSpecialAdded: AddedTokenMatcher
    let normalizedAdded: AddedTokenMatcher
    let regex: RegexPreTokenizer?
    /// Decoding: each id's bytes (SentencePiece: `▁` already a space); `byteValue[id]` ≥ 0 for `<0xXX>` tokens.
    let tokenBytes: [[UInt8]]
    let byteValue: [Int16]
    let isSpecial: [Bool]

    public var vocabularySize: Int { spec.tokens.count }

    public init(_ spec: TokenizerDescription, params: Params = Params()) throws(TokenizerError) {
        self.spec = spec
        self.params = params
        let source = "tokenizer"
        let n = spec.tokens.count
        guard n > 0, n < Int(Int32.max) else {
            throw .invalid(source: source, field: "tokens", reason: "vocabulary of \(n) tokens")
        }
        let vocab = VocabularyIndex(spec.tokens)
        self.vocab = vocab
        for (field, id) in [("bos", spec.bosID), ("eos", spec.eosID), ("unk", spec.unknownID), ("pad", spec.paddingID)] {
            if let id, !(0..<n).contains(id) {
                throw .invalid(source: source, field: field, reason: "id \(id) outside 0..<\(n)")
            }
        }
        for a in spec.addedTokens where !(0..<n).contains(a.id) {
            throw .invalid(source: source, field: "added token \(a.content)", reason: "id \(a.id) outside 0..<\(n)")
        }

        // Base symbols.
        var byteIDs = [Int32](repeating: -1, count: 256)
        var scalarIDs: [Int32] = []
        switch spec.model {
        case .byteLevelBPE:
            for b in 0..<256 { byteIDs[b] = vocab.lookup(String(ByteLevelAlphabet.scalars[b])) ?? -1 }
        case .sentencePieceBPE:
            for b in 0..<256 { byteIDs[b] = vocab.lookup("<0x" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true) + ">") ?? -1 }
            for (i, t) in spec.tokens.enumerated() where vocab.lookup(t) == Int32(i) {
                var it = t.unicodeScalars.makeIterator()
                if let s = it.next(), it.next() == nil {
                    if scalarIDs.count <= Int(s.value) { scalarIDs += [Int32](repeating: -1, count: Int(s.value) + 1 - scalarIDs.count) }
                    scalarIDs[Int(s.value)] = Int32(i)
                }
            }
        }
        self.byteIDs = byteIDs
        self.scalarIDs = scalarIDs

        self.merges = try Self.mergeTable(spec, vocab: vocab)

        let raw = spec.addedTokens.filter { !$0.normalized }
        allAdded = AddedTokenMatcher(raw.map { ($0.content, Int32($0.id)) })
        nonSpecialAdded = AddedTokenMatcher(raw.filter { !$0.special }.map { ($0.content, Int32($0.id)) })
        normalizedAdded = AddedTokenMatcher(spec.addedTokens.filter { $0.normalized }.map {
            (spec.model == .sentencePieceBPE ? $0.content.replacingOccurrences(of: " ", with: "\u{2581}") : $0.content,
             Int32($0.id))
        })
        if spec.preTokenizer.needsRegexEngine {
            regex = try RegexPreTokenizer(spec.preTokenizer)
        } else if params.preTokenizerVariant == .regex, !spec.preTokenizer.patterns.isEmpty {
            regex = try RegexPreTokenizer(spec.preTokenizer)
        } else {
            regex = nil
        }

        // Decoding tables.
        var special = [Bool](repeating: false, count: n)
        var addedContent = [Int: String]()
        for a in spec.addedTokens {
            special[a.id] = a.special
            addedContent[a.id] = a.content
        }
        isSpecial = special
        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(n)
        var byteValue = [Int16](repeating: -1, count: n)
        for (i, t) in spec.tokens.enumerated() {
            switch spec.model {
            case .byteLevelBPE:
                var out: [UInt8] = []
                for s in t.unicodeScalars {
                    if let b = ByteLevelAlphabet.byte(for: s) { out.append(b) } else { out.append(contentsOf: String(s).utf8) }
                }
                tokenBytes.append(out)
            case .sentencePieceBPE:
                if addedContent[i] == nil, t.utf8.count == 6, t.hasPrefix("<0x"), t.hasSuffix(">"),
                   let v = UInt8(t.dropFirst(3).dropLast(), radix: 16) {
                    byteValue[i] = Int16(v)
                }
                // ▁ (E2 96 81) reads as a space.
                var out: [UInt8] = []
                let u = Array(t.utf8)
                var k = 0
                while k < u.count {
                    if k + 2 < u.count, u[k] == 0xE2, u[k + 1] == 0x96, u[k + 2] == 0x81 {
                        out.append(0x20)
                        k += 3
                    } else {
                        out.append(u[k])
                        k += 1
                    }
                }
                tokenBytes.append(out)
            }
        }
        self.tokenBytes = tokenBytes
        self.byteValue = byteValue
    }

    /// The merge rules as a table: given pairs by rank, or derived from scores.
    static func mergeTable(_ spec: TokenizerDescription, vocab: VocabularyIndex) throws(TokenizerError) -> MergeTable {
        if let list = spec.merges {
            var table = MergeTable(capacity: list.count)
            for (rank, m) in list.enumerated() {
                let lb = Array(m.left.utf8), rb = Array(m.right.utf8)
                guard let l = vocab.lookup(lb), let r = vocab.lookup(rb), let merged = vocab.lookup(lb + rb) else {
                    throw .invalid(source: "tokenizer", field: "merges[\(rank)]",
                                   reason: "'\(m.left) \(m.right)' uses a token missing from the vocabulary")
                }
                table.insert(left: l, right: r, rank: Int32(rank), merged: merged)
            }
            return table
        }
        guard let scores = spec.scores, scores.count == spec.tokens.count else {
            throw .invalid(source: "tokenizer", field: "scores", reason: "needed (one per token) when there are no merges")
        }
        let candidates = derivedMerges(spec, vocab: vocab, scores: scores)
        var table = MergeTable(capacity: candidates.count)
        for (rank, c) in candidates.enumerated() {
            table.insert(left: c.l, right: c.r, rank: Int32(rank), merged: c.merged)
        }
        return table
    }

    /// The merges implied by `scores` (a SentencePiece vocabulary without merge rules), best first, as
    /// (left id, right id, merged id).
    static func derivedMerges(_ spec: TokenizerDescription, vocab: VocabularyIndex, scores: [Float])
        -> [(l: Int32, r: Int32, merged: Int32)] {
        // Every split l‖r of a token into two vocabulary tokens is a merge; rank by
        // (score desc, |l| desc, |r| desc, first occurrence of l‖r, id(l), id(r)) — transformers' generate_merges.
        struct Candidate { var score: Float; var lenL: Int32; var lenR: Int32; var order: Int32; var l: Int32; var r: Int32; var merged: Int32 }
        var candidates: [Candidate] = []
        var seen = [Bool](repeating: false, count: spec.tokens.count)  // by resolved id
        var cuts: [Int] = []
        for i in spec.tokens.indices {
            let token = vocab.bytes(of: i)
            token.withUnsafeBufferPointer { bytes in
                guard let merged = vocab.lookup(bytes), !seen[Int(merged)] else { return }
                seen[Int(merged)] = true
                // Scalar boundaries inside the token.
                cuts.removeAll(keepingCapacity: true)
                for k in 1..<max(bytes.count, 1) where bytes[k] & 0xC0 != 0x80 { cuts.append(k) }
                let count = cuts.count + 1
                for (k, cut) in cuts.enumerated() {
                    if let l = vocab.lookup(UnsafeBufferPointer(rebasing: bytes[..<cut])),
                       let r = vocab.lookup(UnsafeBufferPointer(rebasing: bytes[cut...])) {
                        candidates.append(Candidate(score: scores[Int(merged)], lenL: Int32(k + 1),
                                                    lenR: Int32(count - k - 1), order: Int32(i), l: l, r: r,
                                                    merged: merged))
                    }
                }
            }
        }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.lenL != b.lenL { return a.lenL > b.lenL }
            if a.lenR != b.lenR { return a.lenR > b.lenR }
            if a.order != b.order { return a.order < b.order }
            if a.l != b.l { return a.l < b.l }
            return a.r < b.r
        }
        return candidates.map { ($0.l, $0.r, $0.merged) }
    }

    /// The id of a token string, if it is in the vocabulary.
    public func id(of token: String) -> Int? { vocab.lookup(token).map(Int.init) }

    /// The vocabulary string of an id.
    public func token(of id: Int) throws(TokenizerError) -> String {
        guard spec.tokens.indices.contains(id) else { throw .unknownTokenID(id) }
        return spec.tokens[id]
    }
}

extension Tokenizer {
    /// The tokenizer in a GGUF file's `tokenizer.ggml.*` metadata (see `TokenizerDescription.init(gguf:)`).
    public init(gguf url: URL, params: Params = Params()) throws {
        try self.init(TokenizerDescription(gguf: url), params: params)
    }

    /// The tokenizer of a Hugging Face tokenizer.json (see `TokenizerJSON`).
    public init(tokenizerJSON url: URL, params: Params = Params()) throws {
        try self.init(TokenizerJSON.description(contentsOf: url), params: params)
    }
}
