/// How text is cut into words before BPE runs on each word separately.
///
/// The named splits are the regular expressions of Hugging Face `tokenizers` / llama.cpp, applied in
/// "isolated" mode (every match and every gap between matches is a word):
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `smollm`: every `\p{N}` is its own word first, then `gpt2` on the rest (llama.cpp's `smollm`,
///   `starcoder`, `refact`, … pre-types; SmolLM2's tokenizer.json is `Digits(individual_digits) + ByteLevel`).
/// - `llama3`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2`: as `llama3` with `\p{N}` (one digit per word) in place of `\p{N}{1,3}`.
/// - `metaspace`: a word starts at every `▁` (SentencePiece with `split = true`).
/// - `none`: the whole (normalized) segment is one word (Gemma).
/// - `regex(p)`: any other split pattern, run by `NSRegularExpression` (slower; `\s` means Unicode White_Space).
/// - `digits(step, base)`: a `Digits(individual_digits)` step placed before or after `base` (see `DigitsStep`).
///
/// Whitespace before a digit follows from where the digit split stands. GPT-2's `\s+(?!\S)` gives a run
/// followed by a non-space all but its last scalar, and that last space joins the next word (` 96`), while a
/// run at the end of the text it splits is kept whole. With digits isolated first (`smollm`), a run before a
/// digit ends its stretch, so it stays whole. "from  96" is therefore `from` `␣␣` `9` `6` under `smollm`
/// (SmolLM2's own tokenizer.json, llama.cpp's `smollm`), `from` `␣` `␣96` under `gpt2`, `from` `␣` `␣` `9` `6`
/// with the digits cut out after the split (`digits(.after, .gpt2)`, `digits(.afterByteLevel, .gpt2)`), and
/// `from` `␣` `␣` `9` `6` under `qwen2` too (its `\p{N}` takes no space, so the last space is a word alone).
public enum PreTokenizer: Sendable, Equatable, Hashable {
    case none
    case gpt2
    case smollm
    case llama3
    case qwen2
    case metaspace
    case regex(String)
    indirect case digits(DigitsStep, PreTokenizer)

    /// Where a Hugging Face `Digits(individual_digits: true)` step stands in a `Sequence` with the split.
    public enum DigitsStep: String, Sendable, Hashable, CaseIterable {
        /// Before the split (`[Digits, ByteLevel]`, `[Digits, Split, ByteLevel]`): every `\p{N}` scalar is a
        /// word, and the split then runs on each stretch between them — a stretch ends where a digit starts,
        /// so its trailing whitespace run is kept whole (it is "at the end").
        case before
        /// After a `Split` and before `ByteLevel` (`[Split, Digits, ByteLevel]`): the split runs on the whole
        /// text, then every `\p{N}` scalar is cut out of its word (` 96` → ` ` `9` `6`).
        case after
        /// After `ByteLevel` (`[ByteLevel(use_regex), Digits]`, `[Split, ByteLevel, Digits]`): `Digits` sees the
        /// byte-level spelling, so it cuts out every byte whose byte-level character is numeric — `0`…`9`
        /// and the bytes spelled `²` `³` `¹` `¼` `½` `¾` (0xB2 0xB3 0xB9 0xBC 0xBD 0xBE), even inside a multi-byte
        /// character (`β` = CE B2 becomes `Î` `²`), while a non-ASCII digit such as `٣` is not cut out.
        case afterByteLevel
    }

    /// `base` with a `Digits` step at `step`; `smollm` for digits before `gpt2`.
    public static func isolatingDigits(_ step: DigitsStep, around base: PreTokenizer) -> PreTokenizer {
        step == .before && base == .gpt2 ? .smollm : .digits(step, base)
    }

    /// Bytes whose byte-level character is numeric (`Digits` after `ByteLevel` isolates them).
    static let byteLevelDigits: [Bool] = ByteLevelAlphabet.scalars.map { s in
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Whether some split of this pre-tokenizer is a pattern only `NSRegularExpression` runs.
    var needsRegexEngine: Bool {
        switch self {
        case .regex: return true
        case let .digits(_, base): return base.needsRegexEngine
        default: return false
        }
    }

    /// The split for llama.cpp's `tokenizer.ggml.pre` name (`nil` for names this toolkit does not know).
    public init?(ggufName: String) {
        switch ggufName {
        case "default":
            self = .none
        case "gpt-2", "gpt2", "olmo", "jais", "mpt":
            self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva":
            // llama.cpp gives all of these the digit-isolating split before the GPT-2 one.
            self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe", "lfm2":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen", "megrez":
            self = .qwen2
        default:
            return nil
        }
    }

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The split as a sequence of regular expressions, each applied (isolated) to the words of the previous.
    /// Empty for `none`; `metaspace` is not a regular-expression split and has none either, nor has the
    /// byte step of `digits(.afterByteLevel, _)` (`RegexPreTokenizer` runs that one on bytes).
    public var patterns: [String] {
        switch self {
        case .none, .metaspace: return []
        case .gpt2: return [Self.gpt2Pattern]
        case .smollm: return [Self.digitPattern, Self.gpt2Pattern]
        case .llama3: return [Self.llama3Pattern]
        case .qwen2: return [Self.qwen2Pattern]
        case let .regex(p): return [p]
        case let .digits(.before, base): return [Self.digitPattern] + base.patterns
        case let .digits(.after, base): return base.patterns + [Self.digitPattern]
        case let .digits(.afterByteLevel, base): return base.patterns
        }
    }

    static let digitPattern = #"\p{N}"#

    /// The named split a pattern is, if it is one of the known ones.
    public init(pattern: String) {
        switch pattern {
        case Self.gpt2Pattern: self = .gpt2
        case Self.llama3Pattern: self = .llama3
        case Self.qwen2Pattern: self = .qwen2
        default: self = .regex(pattern)
        }
    }
}

/// The two ways of running a `PreTokenizer`: the hand-written scanner and the regular-expression reference.
public enum PreTokenizerVariant: String, CaseIterable, Sendable {
    /// `NSRegularExpression` over the patterns: the reference.
    case regex
    /// A single pass over the Unicode scalars with hand-written alternation logic (falls back to `regex`
    /// for `PreTokenizer.regex`).
    case scanner
}
