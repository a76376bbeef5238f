/// The model families the toolkit understands.
public enum ModelArchitecture: String, CaseIterable, Sendable, Codable {
    case llama, mistral, qwen2, gemma3, opt
}

/// Which normalization the blocks use.
public enum NormKind: String, Sendable, Codable {
    /// RMSNorm: x / √(mean(x²) + ε) · w (Gemma: · (1 + w)).
    case rms
    /// LayerNorm: (x − mean) / √(var + ε) · w + b (OPT).
    case layerNorm
}

/// RoPE frequency scaling (`rope_scaling` / `rope_parameters` in Hugging Face terms).
public struct RopeScaling: Equatable, Sendable, Codable {
    /// "linear", "dynamic", "yarn", "llama3", … as named by transformers.
    public var type: String
    public var factor: Double
    public var originalContextLength: Int?
    public var lowFreqFactor: Double?
    public var highFreqFactor: Double?

    public init(type: String, factor: Double, originalContextLength: Int? = nil,
                lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil) {
        self.type = type
        self.factor = factor
        self.originalContextLength = originalContextLength
        self.lowFreqFactor = lowFreqFactor
        self.highFreqFactor = highFreqFactor
    }
}

/// The architecture hyper-parameters of a decoder-only language model, from GGUF metadata
/// (``init(gguf:)``) or a Hugging Face `config.json` (``init(huggingFaceConfig:file:)``).
///
/// Attention per layer: q = x W_qᵀ (headCount × headDim), k, v = x W_{k,v}ᵀ (kvHeadCount × headDim);
/// scores = q kᵀ · attentionScale, optionally soft-capped: c · tanh(s / c).
public struct ModelConfig: Equatable, Sendable, Codable {
    public var architecture: ModelArchitecture
    public var vocabSize: Int
    /// d_model.
    public var hiddenSize: Int
    /// Width of the feed-forward (MLP) layer.
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    /// Key/value heads (grouped-query attention when < headCount).
    public var kvHeadCount: Int
    public var headDim: Int
    public var normKind: NormKind
    /// ε of the RMSNorm / LayerNorm.
    public var normEps: Double
    /// RoPE base θ of the (global) attention layers; nil for learned positions (OPT).
    public var ropeTheta: Double?
    /// Gemma 3: RoPE base of the sliding-window (local) layers (`rope_local_base_freq`).
    public var ropeLocalTheta: Double?
    /// Tokens each sliding-window layer attends to; nil when every layer is global.
    public var slidingWindow: Int?
    /// Gemma 3: every `slidingWindowPattern`-th layer (1-based) is global, the others local.
    public var slidingWindowPattern: Int?
    public var ropeScaling: RopeScaling?
    /// Maximum context (`max_position_embeddings` / `{arch}.context_length`).
    public var contextLength: Int
    /// Whether the output projection reuses the token embedding.
    public var tiedEmbeddings: Bool
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var padTokenId: Int?
    /// Whether the tokenizer prepends BOS.
    public var addBos: Bool
    /// Gemma 2-style cap on attention scores, if any.
    public var attentionLogitSoftcap: Double?
    /// Cap on the final logits, if any.
    public var finalLogitSoftcap: Double?
    /// Gemma 3: scores are scaled by 1/√query_pre_attn_scalar instead of 1/√headDim.
    public var queryPreAttnScalar: Double?
    /// "silu", "gelu_pytorch_tanh", "relu", …
    public var hiddenActivation: String
    /// Whether q/k/v (and o) projections have biases (Qwen2: q/k/v; OPT: all).
    public var attentionBias: Bool
    /// OPT: embedding width when it differs from hiddenSize (projected in and out).
    public var wordEmbedProjDim: Int?

    /// The factor applied to q·k: 1/√(queryPreAttnScalar ?? headDim).
    public var attentionScale: Double { 1 / (queryPreAttnScalar ?? Double(headDim)).squareRoot() }

    /// Whether layer `layer` (0-based) uses sliding-window attention.
    public func isSlidingWindowLayer(_ layer: Int) -> Bool {
        guard slidingWindow != nil else { return false }
        guard let p = slidingWindowPattern, p > 0 else { return true }
        return (layer + 1) % p != 0
    }

    /// Checks sizes and divisibility; errors name `file` and the offending field.
    public func validate(file: String) throws(FormatError) {
        func positive(_ v: Int, _ field: String) throws(FormatError) {
            guard v > 0 else { throw FormatError.invalid(file: file, field: field, reason: "must be positive, is \(v)") }
        }
        try positive(vocabSize, "vocab_size")
        try positive(hiddenSize, "hidden_size")
        try positive(intermediateSize, "intermediate_size")
        try positive(layerCount, "num_hidden_layers")
        try positive(headCount, "num_attention_heads")
        try positive(kvHeadCount, "num_key_value_heads")
        try positive(headDim, "head_dim")
        try positive(contextLength, "max_position_embeddings")
        guard headCount % kvHeadCount == 0 else {
            throw FormatError.invalid(file: file, field: "num_key_value_heads",
                                      reason: "\(kvHeadCount) does not divide num_attention_heads \(headCount)")
        }
        guard normEps > 0, normEps < 1 else {
            throw FormatError.invalid(file: file, field: "norm_eps", reason: "must be in (0, 1), is \(normEps)")
        }
        if let t = ropeTheta, !(t > 0 && t.isFinite) {
            throw FormatError.invalid(file: file, field: "rope_theta", reason: "must be positive, is \(t)")
        }
        if let t = ropeLocalTheta, !(t > 0 && t.isFinite) {
            throw FormatError.invalid(file: file, field: "rope_local_base_freq", reason: "must be positive, is \(t)")
        }
        if let s = ropeScaling, !(s.factor > 0 && s.factor.isFinite) {
            throw FormatError.invalid(file: file, field: "rope_scaling.factor", reason: "must be positive, is \(s.factor)")
        }
        if let w = slidingWindow { try positive(w, "sliding_window") }
        if let p = slidingWindowPattern { try positive(p, "sliding_window_pattern") }
        if ropeTheta != nil, headDim % 2 != 0 {
            throw FormatError.invalid(file: file, field: "head_dim", reason: "RoPE needs an even head_dim, is \(headDim)")
        }
        for (id, field) in [(bosTokenId, "bos_token_id"), (padTokenId, "pad_token_id")] {
            if let id, !(0..<vocabSize).contains(id) {
                throw FormatError.invalid(file: file, field: field, reason: "\(id) outside the vocabulary of \(vocabSize)")
            }
        }
        for id in eosTokenIds where !(0..<vocabSize).contains(id) {
            throw FormatError.invalid(file: file, field: "eos_token_id",
                                      reason: "\(id) outside the vocabulary of \(vocabSize)")
        }
        for (v, field) in [(attentionLogitSoftcap, "attn_logit_softcapping"),
                           (finalLogitSoftcap, "final_logit_softcapping"),
                           (queryPreAttnScalar, "query_pre_attn_scalar")] {
            if let v, !(v > 0 && v.isFinite) {
                throw FormatError.invalid(file: file, field: field, reason: "must be positive, is \(v)")
            }
        }
        if let w = wordEmbedProjDim { try positive(w, "word_embed_proj_dim") }
        // Every matrix a loader sizes from these numbers, and all of them over the layers, must have an element
        // count that fits in Int: a config declaring 2⁴⁰-wide layers is refused here, not overflowed later.
        func product(_ xs: Int...) -> Int? { CheckedArithmetic.product(xs) }
        func sum(_ xs: Int...) -> Int? { CheckedArithmetic.sum(xs) }
        guard let q = product(2, headCount, headDim, hiddenSize), let kv = product(2, kvHeadCount, headDim, hiddenSize),
              let mlp = product(3, intermediateSize, hiddenSize), let layer = sum(q, kv, mlp),
              let layers = product(layerCount, layer), let embedding = product(vocabSize, wordEmbedProjDim ?? hiddenSize),
              let positions = product(contextLength, hiddenSize), sum(layers, embedding, positions) != nil else {
            throw FormatError.invalid(file: file, field: "hidden_size",
                                      reason: "the weights of \(layerCount) layers of hidden size \(hiddenSize) "
                                          + "(\(headCount) heads of \(headDim), intermediate \(intermediateSize), "
                                          + "vocabulary \(vocabSize), context \(contextLength)) hold more elements "
                                          + "than fit in 64 bits")
        }
    }
}
