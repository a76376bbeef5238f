import Foundation
import Formats

/// Writes a `TokenizerDescription` as a Hugging Face `tokenizer.json` (read back by ``TokenizerJSON`` and by
/// the `tokenizers` library), plus the matching `tokenizer_config.json`.
///
/// - Byte-level BPE: model `BPE` (vocab, merges), pre-tokenizer `ByteLevel` (with its GPT-2 regex for
///   `gpt2`), preceded by `Digits(individual_digits)` for `smollm`, or a `Split` regex (llama3, qwen2, any
///   other pattern) followed by `ByteLevel(use_regex: false)`; a `Digits` step of `PreTokenizer.digits`
///   where its `DigitsStep` says (`.after`: between a `Split` and `ByteLevel`); `ByteLevel` decoder.
/// - SentencePiece BPE: normalizer `Replace(" " → "▁")` (after `Prepend("▁")` for `everySegment`), a
///   `Metaspace` pre-tokenizer for the other space-prefix schemes / `metaspace` split, `byte_fallback`; merges
///   derived from the scores when the description has none (in the order ``Tokenizer`` ranks them).
/// - Added tokens as `added_tokens`; BOS/EOS insertion as a `TemplateProcessing` post-processor.
///
/// Merges are written as `["left", "right"]` pairs, so tokens containing spaces survive.
public enum TokenizerJSONWriter {
    /// The tokenizer.json text for `spec`.
    public static func tokenizerJSON(_ spec: TokenizerDescription) throws(TokenizerError) -> String {
        let q = JSONValue.quote
        var out = "{\n\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\n\"added_tokens\":["
        out += spec.addedTokens.sorted { $0.id < $1.id }.map { a in
            "{\"id\":\(a.id),\"content\":\(q(a.content)),\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":\(a.normalized),\"special\":\(a.special)}"
        }.joined(separator: ",\n")
        out += "],\n"

        let byteLevel = spec.model == .byteLevelBPE
        // Normalizer, pre-tokenizer and decoder.
        var normalizer = "null"
        var preTokenizer = "null"
        var decoder: String
        if byteLevel {
            let prefix = spec.spacePrefix == .everySegmentUnlessPresent
            func byteLevelNode(regex: Bool) -> String {
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":\(prefix),\"trim_offsets\":true,\"use_regex\":\(regex)}"
            }
            let digitsNode = "{\"type\":\"Digits\",\"individual_digits\":true}"
            func splitNode(_ pattern: String) -> String {
                "{\"type\":\"Split\",\"pattern\":{\"Regex\":\(q(pattern))},\"behavior\":\"Isolated\",\"invert\":false}"
            }
            /// The steps of a split without digits: its regex (if any) and ByteLevel.
            func baseNodes(_ p: PreTokenizer, fusedRegex: Bool) throws(TokenizerError) -> [String] {
                switch p {
                case .gpt2 where fusedRegex: return [byteLevelNode(regex: true)]
                case .none: return [byteLevelNode(regex: false)]
                case .gpt2, .llama3, .qwen2, .regex: return [splitNode(p.patterns[0]), byteLevelNode(regex: false)]
                case .smollm, .metaspace, .digits:
                    throw .unsupported(source: "tokenizer.json writer", field: "preTokenizer", value: "\(spec.preTokenizer) with byte-level BPE")
                }
            }
            var nodes: [String]
            switch spec.preTokenizer {
            case .smollm:
                nodes = [digitsNode, byteLevelNode(regex: true)]
            case let .digits(.before, base):
                nodes = [digitsNode] + (try baseNodes(base, fusedRegex: true))
            case let .digits(.after, base):
                // Digits between the split and ByteLevel: GPT-2's regex as a Split of its own.
                nodes = try baseNodes(base, fusedRegex: false)
                nodes.insert(digitsNode, at: nodes.count - 1)
            case let .digits(.afterByteLevel, base):
                nodes = (try baseNodes(base, fusedRegex: true)) + [digitsNode]
            default:
                nodes = try baseNodes(spec.preTokenizer, fusedRegex: true)
            }
            // ByteLevel's add_prefix_space prefixes every piece an earlier step made.
            if prefix, !nodes[0].contains("\"ByteLevel\"") {
                throw .unsupported(source: "tokenizer.json writer", field: "spacePrefix",
                                   value: "a prefix space with \(spec.preTokenizer)")
            }
            preTokenizer = nodes.count == 1 ? nodes[0] : "{\"type\":\"Sequence\",\"pretokenizers\":[\(nodes.joined(separator: ","))]}"
            guard spec.spacePrefix == .none || spec.spacePrefix == .everySegmentUnlessPresent else {
                throw .unsupported(source: "tokenizer.json writer", field: "spacePrefix",
                                   value: "\(spec.spacePrefix.rawValue) with byte-level BPE")
            }
            decoder = "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}"
        } else {
            let replace = "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\u{2581}\"}"
            func metaspace(_ scheme: String, split: Bool) -> String {
                "{\"type\":\"Metaspace\",\"replacement\":\"\u{2581}\",\"prepend_scheme\":\"\(scheme)\",\"split\":\(split)}"
            }
            guard spec.preTokenizer == .none || spec.preTokenizer == .metaspace else {
                throw .unsupported(source: "tokenizer.json writer", field: "preTokenizer",
                                   value: "\(spec.preTokenizer) with SentencePiece BPE")
            }
            let split = spec.preTokenizer == .metaspace
            var stripsPrefix = false
            switch spec.spacePrefix {
            case .none:
                normalizer = replace
                if split { preTokenizer = metaspace("never", split: true) }
            case .everySegment:
                normalizer = "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\u{2581}\"},"
                    + replace + "]}"
                if split { preTokenizer = metaspace("never", split: true) }
                stripsPrefix = true
            case .firstSegment:
                preTokenizer = metaspace("first", split: split)
                stripsPrefix = true
            case .everySegmentUnlessPresent:
                preTokenizer = metaspace("always", split: split)
                stripsPrefix = true
            }
            var steps = ["{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u{2581}\"},\"content\":\" \"}",
                         "{\"type\":\"ByteFallback\"}", "{\"type\":\"Fuse\"}"]
            if stripsPrefix { steps.append("{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}") }
            decoder = "{\"type\":\"Sequence\",\"decoders\":[\(steps.joined(separator: ","))]}"
        }
        out += "\"normalizer\":\(normalizer),\n\"pre_tokenizer\":\(preTokenizer),\n"
        out += "\"post_processor\":\(postProcessor(spec)),\n\"decoder\":\(decoder),\n"

        // Model.
        let unk = spec.unknownID.map { q(spec.tokens[$0]) } ?? "null"
        out += "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\(unk),\"continuing_subword_prefix\":null,"
        out += "\"end_of_word_suffix\":null,\"fuse_unk\":\(!byteLevel),\"byte_fallback\":\(spec.byteFallback),"
        out += "\"ignore_merges\":false,\n\"vocab\":{"
        // A spelling that occurs twice keeps its last id (as the reader and Hugging Face resolve it); the
        // earlier id is then only reachable as an added token.
        var first = true
        for (i, t) in spec.tokens.enumerated() {
            out += first ? "\n" : ",\n"
            first = false
            out += "\(q(t)):\(i)"
        }
        out += "},\n\"merges\":["
        first = true
        for m in try merges(spec) {
            out += first ? "\n" : ",\n"
            first = false
            out += "[\(q(m.left)),\(q(m.right))]"
        }
        out += "]}\n}\n"
        return out
    }

    /// The merge rules in rank order: the description's own, or those its scores imply.
    public static func merges(_ spec: TokenizerDescription) throws(TokenizerError) -> [TokenizerDescription.Merge] {
        if let m = spec.merges { return m }
        guard let scores = spec.scores, scores.count == spec.tokens.count else {
            throw .invalid(source: "tokenizer.json writer", field: "scores",
                           reason: "needed (one per token) when there are no merges")
        }
        let vocab = VocabularyIndex(spec.tokens)
        return Tokenizer.derivedMerges(spec, vocab: vocab, scores: scores).map {
            TokenizerDescription.Merge(spec.tokens[Int($0.l)], spec.tokens[Int($0.r)])
        }
    }

    /// `TemplateProcessing` adding BOS in front and/or EOS at the end, or `null`.
    static func postProcessor(_ spec: TokenizerDescription) -> String {
        let q = JSONValue.quote
        var single: [String] = [], pair: [String] = []
        var specials: [String] = []
        func special(_ id: Int) -> String {
            let t = spec.tokens[id]
            specials.append("\(q(t)):{\"id\":\(q(t)),\"ids\":[\(id)],\"tokens\":[\(q(t))]}")
            return "{\"SpecialToken\":{\"id\":\(q(t)),\"type_id\":0}}"
        }
        let bos = spec.addBOS ? spec.bosID.map(special) : nil
        let eos = spec.addEOS ? spec.eosID.map(special) : nil
        guard bos != nil || eos != nil else { return "null" }
        for (seq, typeID) in [("A", 0), ("B", 1)] {
            var items: [String] = []
            if let bos { items.append(bos.replacingOccurrences(of: "\"type_id\":0", with: "\"type_id\":\(typeID)")) }
            items.append("{\"Sequence\":{\"id\":\"\(seq)\",\"type_id\":\(typeID)}}")
            if let eos { items.append(eos.replacingOccurrences(of: "\"type_id\":0", with: "\"type_id\":\(typeID)")) }
            if seq == "A" { single = items } else { pair = single + items }
        }
        var uniqueSpecials: [String] = []
        for s in specials where !uniqueSpecials.contains(s) { uniqueSpecials.append(s) }
        return "{\"type\":\"TemplateProcessing\",\"single\":[\(single.joined(separator: ","))],"
            + "\"pair\":[\(pair.joined(separator: ","))],\"special_tokens\":{\(uniqueSpecials.joined(separator: ","))}}"
    }

    /// tokenizer_config.json: special tokens, `add_bos_token` / `add_eos_token`, the chat template if any,
    /// and the generic fast tokenizer class (the tokenizer.json is complete by itself).
    public static func tokenizerConfigJSON(_ spec: TokenizerDescription, chatTemplate: String? = nil,
                                           modelMaxLength: Int? = nil) -> String {
        let q = JSONValue.quote
        var parts: [String] = []
        parts.append("\"tokenizer_class\":\"PreTrainedTokenizerFast\"")
        parts.append("\"add_bos_token\":\(spec.addBOS)")
        parts.append("\"add_eos_token\":\(spec.addEOS)")
        for (key, id) in [("bos_token", spec.bosID), ("eos_token", spec.eosID), ("unk_token", spec.unknownID),
                          ("pad_token", spec.paddingID)] {
            if let id { parts.append("\(q(key)):\(q(spec.tokens[id]))") }
        }
        parts.append("\"clean_up_tokenization_spaces\":false")
        if let modelMaxLength { parts.append("\"model_max_length\":\(modelMaxLength)") }
        if let chatTemplate { parts.append("\"chat_template\":\(q(chatTemplate))") }
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}\n"
    }
}
