import SVDLLMKit

/// The tokenizer of a synthetic model: byte-level BPE (`tokenizer.ggml.model` "gpt2", pre-tokenizer "gpt-2") whose
/// vocabulary is exactly the 256 bytes, so every text encodes (one token per UTF-8 byte) and decodes back unchanged.
///
/// ```
/// id 0 … 255          byte b, spelled in GPT-2's byte-level alphabet (``ByteLevelAlphabet``: "A", "Ġ" for 0x20 …)
///                     type 1 (normal)
/// id 256              "<s>"   BOS, type 3 (control)
/// id 257              "</s>"  EOS, type 3 (control)
/// id 258 … vocab − 1  "<unused0>", "<unused1>", …   type 5 (unused)
/// ```
/// There are no merges, so BPE never joins two bytes, and the fillers — not bytes, not added tokens — can never be
/// produced by encoding; they only pad the vocabulary to the model's size. BOS is added in front (LLaMA's habit).
enum SyntheticTokenizer {
    static let bosID = 256
    static let eosID = 257
    /// The smallest vocabulary: the bytes, BOS and EOS.
    static let minimumVocabulary = 258

    /// The `tokenizer.ggml.*` metadata for a vocabulary of `size` tokens (≥ ``minimumVocabulary``).
    static func metadata(vocabularySize size: Int) -> [(key: String, value: GGUFValue)] {
        precondition(size >= minimumVocabulary, "a synthetic vocabulary needs at least \(minimumVocabulary) tokens")
        var tokens = [GGUFValue]()
        var types = [GGUFValue]()
        tokens.reserveCapacity(size)
        types.reserveCapacity(size)
        for b in 0..<256 {
            tokens.append(.string(String(ByteLevelAlphabet.scalars[b])))
            types.append(.int32(1))
        }
        tokens += [.string("<s>"), .string("</s>")]
        types += [.int32(3), .int32(3)]
        for k in 0..<(size - minimumVocabulary) {
            tokens.append(.string("<unused\(k)>"))
            types.append(.int32(5))
        }
        return [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("gpt-2")),
            ("tokenizer.ggml.tokens", .array(elementType: .string, tokens)),
            ("tokenizer.ggml.token_type", .array(elementType: .int32, types)),
            ("tokenizer.ggml.merges", .array(elementType: .string, [])),
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(bosID))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(eosID))),
            ("tokenizer.ggml.add_bos_token", .bool(true)),
            ("tokenizer.ggml.add_eos_token", .bool(false)),
        ]
    }
}
