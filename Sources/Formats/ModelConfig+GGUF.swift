extension ModelConfig {
    /// The configuration stored in a GGUF file's `{arch}.*` and `tokenizer.ggml.*` metadata.
    ///
    /// `general.architecture` "llama" also covers Mistral checkpoints (llama.cpp converts them as llama).
    /// Missing keys take llama.cpp's defaults: head_count_kv = head_count, key_length = embedding / heads,
    /// rope.freq_base = 10000; Gemma 3's local RoPE base (10000) and layer pattern (every 6th global) are
    /// fixed by llama.cpp rather than stored. Tied embeddings = no `output.weight` tensor.
    public init(gguf: GGUFFile) throws(FormatError) {
        let path = gguf.url.path
        guard let archName = gguf.architecture else {
            throw FormatError.invalid(file: path, field: "general.architecture", reason: "missing")
        }
        guard let arch = ModelArchitecture(rawValue: archName) else {
            throw FormatError.unsupported(file: path, field: "general.architecture", value: archName)
        }
        let p = archName + "."
        func int(_ key: String) throws(FormatError) -> Int { try gguf.requireInt(p + key) }
        func optionalInt(_ key: String) throws(FormatError) -> Int? {
            gguf.metadata[p + key] == nil ? nil : try gguf.requireInt(p + key)
        }
        func double(_ key: String) throws(FormatError) -> Double? {
            guard let v = gguf.metadata[p + key] else { return nil }
            guard let d = v.double else {
                throw FormatError.invalid(file: path, field: p + key, reason: "expected a number, found \(v.type)")
            }
            return d
        }

        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        guard heads > 0 else {
            throw FormatError.invalid(file: path, field: p + "attention.head_count", reason: "must be positive, is \(heads)")
        }
        let headDim: Int
        if let k = try optionalInt("attention.key_length") {
            headDim = k
        } else {
            guard hidden % heads == 0 else {
                throw FormatError.invalid(file: path, field: p + "attention.head_count",
                                          reason: "\(heads) does not divide embedding_length \(hidden)")
            }
            headDim = hidden / heads
        }
        let vocab: Int
        if let v = try optionalInt("vocab_size") {
            vocab = v
        } else if let n = gguf.arrayCount("tokenizer.ggml.tokens") {
            vocab = n
        } else if let embd = gguf.tensorInfo("token_embd.weight"), embd.dims.count == 2 {
            vocab = embd.dims[1]
        } else {
            throw FormatError.invalid(file: path, field: p + "vocab_size", reason: "missing (and no tokenizer.ggml.tokens)")
        }
        var scaling: RopeScaling?
        if let type = gguf.string(p + "rope.scaling.type"), type != "none" {
            let factor = try double("rope.scaling.factor")
            scaling = RopeScaling(type: type, factor: factor ?? 1,
                                  originalContextLength: try optionalInt("rope.scaling.original_context_length"))
        }
        func tokenId(_ key: String) throws(FormatError) -> Int? {
            gguf.metadata[key] == nil ? nil : try gguf.requireInt(key)
        }
        let isGemma = arch == .gemma3
        var eps = try double("attention.layer_norm_rms_epsilon")
        // An integer period, or (newer files) one bool per layer: true = sliding-window layer.
        var pattern: Int?
        switch gguf.metadata[p + "attention.sliding_window_pattern"] {
        case let .array(.bool, flags)?:
            pattern = flags.firstIndex(of: .bool(false)).map { $0 + 1 }
        case let v?:
            guard let n = v.int else {
                throw FormatError.invalid(file: path, field: p + "attention.sliding_window_pattern",
                                          reason: "expected an integer or bools, found \(v.type)")
            }
            pattern = n
        case nil:
            pattern = nil
        }
        let theta = try double("rope.freq_base")
        if eps == nil { eps = try double("attention.layer_norm_epsilon") }
        let tokenizerModel = gguf.string("tokenizer.ggml.model")
        var config = ModelConfig(
            architecture: arch,
            vocabSize: vocab,
            hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"),
            layerCount: try int("block_count"),
            headCount: heads,
            kvHeadCount: try optionalInt("attention.head_count_kv") ?? heads,
            headDim: headDim,
            normKind: .rms,
            normEps: eps ?? 1e-5,
            ropeTheta: theta ?? 10_000,
            ropeLocalTheta: isGemma ? 10_000 : nil,
            slidingWindow: try optionalInt("attention.sliding_window"),
            slidingWindowPattern: isGemma ? (pattern ?? 6) : nil,
            ropeScaling: scaling,
            contextLength: try int("context_length"),
            tiedEmbeddings: gguf.tensorInfo("output.weight") == nil,
            bosTokenId: try tokenId("tokenizer.ggml.bos_token_id"),
            eosTokenIds: try tokenId("tokenizer.ggml.eos_token_id").map { [$0] } ?? [],
            padTokenId: try tokenId("tokenizer.ggml.padding_token_id"),
            addBos: gguf.bool("tokenizer.ggml.add_bos_token") ?? (tokenizerModel == "llama" || isGemma),
            attentionLogitSoftcap: try double("attn_logit_softcapping"),
            finalLogitSoftcap: try double("final_logit_softcapping"),
            queryPreAttnScalar: nil,
            hiddenActivation: isGemma ? "gelu_pytorch_tanh" : "silu",
            attentionBias: gguf.tensorInfo("blk.0.attn_q.bias") != nil,
            wordEmbedProjDim: nil)
        if isGemma {
            // llama.cpp: 1/√head_dim, except Gemma 3 27B (62 layers), which uses 1/√(hidden / heads).
            config.queryPreAttnScalar = Double(config.layerCount == 62 ? hidden / heads : headDim)
        }
        try config.validate(file: path)
        self = config
    }
}
