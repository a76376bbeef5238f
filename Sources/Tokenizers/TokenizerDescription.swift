import Foundation
import Formats

/// Everything needed to build a `Tokenizer`, as plain values: the vocabulary, the merge rules (or scores to
/// derive them from), the added/special tokens and the text-processing choices.
///
/// Made from GGUF metadata (`init(gguf:)`) or a Hugging Face tokenizer.json (`TokenizerJSON`), or by hand.
public struct TokenizerDescription: Sendable, Equatable {
    /// The BPE flavour.
    public enum Model: String, Sendable, Equatable {
        /// GPT-2 style: text → UTF-8 bytes → `ByteLevelAlphabet` spelling; every byte is a base symbol.
        case byteLevelBPE
        /// SentencePiece style: spaces become `▁`, base symbols are Unicode scalars; scalars missing from the
        /// vocabulary fall back to `<0xXX>` byte tokens (when `byteFallback`) or the unknown token.
        case sentencePieceBPE
    }

    /// A merge rule `left + right → left‖right`.
    public struct Merge: Sendable, Equatable {
        public var left: String
        public var right: String
        public init(_ left: String, _ right: String) {
            self.left = left
            self.right = right
        }
    }

    /// A token matched whole in the input text before any other processing (Hugging Face "added tokens").
    public struct AddedToken: Sendable, Equatable {
        public var id: Int
        public var content: String
        /// Special tokens can be skipped when decoding and left unparsed when encoding.
        public var special: Bool
        /// Matched in normalized text (true) or in the raw input (false).
        public var normalized: Bool
        public init(id: Int, content: String, special: Bool, normalized: Bool = false) {
            self.id = id
            self.content = content
            self.special = special
            self.normalized = normalized
        }
    }

    /// Where a SentencePiece-style `▁` (byte-level: a space) is put in front of the text.
    public enum SpacePrefix: String, Sendable, Equatable {
        case none
        /// In front of the first text segment only (Metaspace `prepend_scheme: first`, llama.cpp).
        case firstSegment
        /// In front of every text segment between added tokens (the `Prepend` normalizer).
        case everySegment
    }

    public var model: Model
    /// The vocabulary, indexed by id, spelled as the model sees it (byte-level alphabet / `▁` for spaces).
    public var tokens: [String]
    /// Merge rules, best first. `nil`: derive them from `scores` (SentencePiece files without merges).
    public var merges: [Merge]?
    /// Per-token scores; with `merges == nil` a merge `l + r` is ranked by the score of `l‖r` (higher first),
    /// then the lower id, then the longer `l` — `transformers`' `generate_merges` order.
    public var scores: [Float]?
    /// llama.cpp token types (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte), if known.
    public var tokenTypes: [Int32]?
    public var addedTokens: [AddedToken]
    public var preTokenizer: PreTokenizer
    public var spacePrefix: SpacePrefix
    /// Characters missing from the vocabulary become `<0xXX>` tokens.
    public var byteFallback: Bool
    public var bosID: Int?
    public var eosID: Int?
    public var unknownID: Int?
    public var paddingID: Int?
    /// `encode(_, addSpecialTokens: true)` puts BOS in front / EOS at the end.
    public var addBOS: Bool
    public var addEOS: Bool

    public init(model: Model, tokens: [String], merges: [Merge]? = nil, scores: [Float]? = nil,
                tokenTypes: [Int32]? = nil, addedTokens: [AddedToken] = [], preTokenizer: PreTokenizer,
                spacePrefix: SpacePrefix = .none, byteFallback: Bool = false, bosID: Int? = nil, eosID: Int? = nil,
                unknownID: Int? = nil, paddingID: Int? = nil, addBOS: Bool = false, addEOS: Bool = false) {
        self.model = model
        self.tokens = tokens
        self.merges = merges
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.addedTokens = addedTokens
        self.preTokenizer = preTokenizer
        self.spacePrefix = spacePrefix
        self.byteFallback = byteFallback
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.addBOS = addBOS
        self.addEOS = addEOS
    }
}

extension TokenizerDescription {
    /// The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata, following the conversion of
    /// Hugging Face `transformers` (`integrations/gguf`), so that ids agree with `AutoTokenizer(gguf_file:)`:
    /// - `gpt2` → byte-level BPE with the file's merges; tokens not spelled in the byte alphabet are
    ///   respelled; `tokenizer.ggml.pre` picks the split.
    /// - `llama` → SentencePiece-style BPE with byte fallback. Without merges in the file they are derived:
    ///   by score, except for Gemma (`general.architecture` gemma/gemma2/gemma3) where the file order ranks
    ///   them (score = −id) and tokens made only of spaces are respelled with `▁`.
    /// - Control tokens (type 3) become special added tokens, user-defined ones (type 4) plain added tokens.
    public init(gguf url: URL) throws {
        try self.init(metadata: try GGUFTokenizerMetadata(contentsOf: url))
    }

    init(metadata m: GGUFTokenizerMetadata) throws {
        let source = m.file
        guard let kind = try m.string("tokenizer.ggml.model") else {
            throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.model", reason: "missing")
        }
        guard var tokens = try m.strings("tokenizer.ggml.tokens"), !tokens.isEmpty else {
            throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.tokens", reason: "missing or empty")
        }
        let count = tokens.count
        let types = try m.integers("tokenizer.ggml.token_type").map { $0.map { Int32(truncatingIfNeeded: $0) } }
        if let t = types, t.count != count {
            throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.token_type",
                                         reason: "\(t.count) entries for \(count) tokens")
        }
        var scores = try m.reals("tokenizer.ggml.scores")
        if let s = scores, s.count != count {
            throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.scores",
                                         reason: "\(s.count) entries for \(count) tokens")
        }
        let mergeStrings = try m.strings("tokenizer.ggml.merges")
        var merges: [Merge]? = nil
        if let ms = mergeStrings {
            var out: [Merge] = []
            out.reserveCapacity(ms.count)
            for (i, s) in ms.enumerated() {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.merges[\(i)]",
                                                 reason: "expected 'left right', got '\(s)'")
                }
                out.append(Merge(String(parts[0]), String(parts[1])))
            }
            merges = out
        }
        func id(_ key: String) throws -> Int? {
            guard let v = try m.integer(key) else { return nil }
            guard v >= 0, v < count else {
                throw TokenizerError.invalid(source: source, field: key, reason: "id \(v) outside 0..<\(count)")
            }
            return v
        }
        let architecture = try m.string("general.architecture") ?? ""
        let preName = try m.string("tokenizer.ggml.pre") ?? "default"

        let model: Model
        let pre: PreTokenizer
        var addBOSDefault = false
        switch kind {
        case "gpt2":
            model = .byteLevelBPE
            guard let p = PreTokenizer(ggufName: preName) else {
                throw TokenizerError.unsupported(source: source, field: "tokenizer.ggml.pre", value: preName)
            }
            pre = p == .none ? .gpt2 : p
            let alphabet = Set(ByteLevelAlphabet.scalars)
            for i in tokens.indices where !tokens[i].unicodeScalars.allSatisfy({ alphabet.contains($0) }) {
                tokens[i] = ByteLevelAlphabet.spell(tokens[i].utf8)
            }
            guard merges != nil else {
                throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.merges",
                                             reason: "a gpt2 tokenizer needs merges")
            }
        case "llama":
            model = .sentencePieceBPE
            pre = .none
            addBOSDefault = true
            if ["gemma", "gemma2", "gemma3"].contains(architecture) {
                for i in tokens.indices where tokens[i].contains(" ") && tokens[i].allSatisfy({ $0 == " " }) {
                    tokens[i] = String(repeating: "\u{2581}", count: tokens[i].unicodeScalars.count)
                }
                scores = (0..<count).map { -Float($0) }
            } else if scores == nil, merges == nil {
                throw TokenizerError.invalid(source: source, field: "tokenizer.ggml.scores",
                                             reason: "a llama tokenizer needs merges or scores")
            }
        default:
            throw TokenizerError.unsupported(source: source, field: "tokenizer.ggml.model", value: kind)
        }

        var added: [AddedToken] = []
        if let t = types {
            let alphabet = Set(ByteLevelAlphabet.scalars)
            let original = try m.strings("tokenizer.ggml.tokens")!
            for i in 0..<count where t[i] == 3 {
                if model == .byteLevelBPE, !original[i].unicodeScalars.allSatisfy({ alphabet.contains($0) }) { continue }
                added.append(AddedToken(id: i, content: tokens[i], special: true))
            }
            for i in 0..<count where t[i] == 4 && original[i].utf8.elementsEqual(tokens[i].utf8) {
                added.append(AddedToken(id: i, content: tokens[i], special: false))
            }
        }
        let spaceKey = try m.bool("tokenizer.ggml.add_space_prefix") ?? false
        self.init(model: model, tokens: tokens, merges: merges, scores: scores, tokenTypes: types,
                  addedTokens: added, preTokenizer: pre,
                  spacePrefix: model == .sentencePieceBPE && spaceKey ? .firstSegment : .none,
                  byteFallback: model == .sentencePieceBPE,
                  bosID: try id("tokenizer.ggml.bos_token_id"), eosID: try id("tokenizer.ggml.eos_token_id"),
                  unknownID: try id("tokenizer.ggml.unknown_token_id"),
                  paddingID: try id("tokenizer.ggml.padding_token_id"),
                  addBOS: try m.bool("tokenizer.ggml.add_bos_token") ?? addBOSDefault,
                  addEOS: try m.bool("tokenizer.ggml.add_eos_token") ?? false)
    }
}
