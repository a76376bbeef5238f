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
public enum PreTokenizer: Sendable, Equatable, Hashable {
    case none
    case gpt2
    case smollm
    case llama3
    case qwen2
    case metaspace
    case regex(String)

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
    /// Empty for `none`; `metaspace` is not a regular-expression split and has none either.
    public var patterns: [String] {
        switch self {
        case .none, .metaspace: return []
        case .gpt2: return [Self.gpt2Pattern]
        case .smollm: return [#"\p{N}"#, Self.gpt2Pattern]
        case .llama3: return [Self.llama3Pattern]
        case .qwen2: return [Self.qwen2Pattern]
        case let .regex(p): return [p]
        }
    }

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
