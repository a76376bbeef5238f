import Foundation

/// A Hugging Face `config.json` as far as the toolkit reads it (transformers v4 and v5 spellings).
/// Every key is optional; ``ModelConfig/init(huggingFace:file:addBos:)`` fills in transformers' defaults.
public struct HFConfig: Decodable, Sendable {
    public var modelType: String?
    public var vocabSize: Int?
    public var hiddenSize: Int?
    public var intermediateSize: Int?
    public var ffnDim: Int?
    public var numHiddenLayers: Int?
    public var numAttentionHeads: Int?
    public var numKeyValueHeads: Int?
    public var headDim: Int?
    public var rmsNormEps: Double?
    public var layerNormEps: Double?
    /// v4: `rope_theta` + `rope_scaling`; v5: `rope_parameters` (flat, or per layer type for Gemma 3).
    public var ropeTheta: Double?
    public var ropeScaling: HFRopeParameters?
    public var ropeParameters: HFRopeParameters?
    public var ropeLocalBaseFreq: Double?
    public var maxPositionEmbeddings: Int?
    public var tieWordEmbeddings: Bool?
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]?
    public var padTokenId: Int?
    public var slidingWindow: Int?
    public var useSlidingWindow: Bool?
    public var slidingWindowPattern: Int?
    public var layerTypes: [String]?
    public var queryPreAttnScalar: Double?
    public var attnLogitSoftcapping: Double?
    public var finalLogitSoftcapping: Double?
    public var hiddenAct: String?
    public var hiddenActivation: String?
    public var activationFunction: String?
    public var attentionBias: Bool?
    public var enableBias: Bool?
    public var wordEmbedProjDim: Int?
    public var doLayerNormBefore: Bool?
    /// Multimodal wrappers (Gemma 3 4B+) keep the language model's settings here.
    public var textConfig: HFConfig? { text.first }
    private var text: [HFConfig] = []
    /// The keys present in the JSON (a key set to null is present: transformers then uses None, not the default).
    private var keys: Set<String> = []

    /// Whether `key` appears in the JSON object (even as null).
    public func hasKey(_ key: String) -> Bool { keys.contains(key) }

    enum Keys: String, CodingKey {
        case model_type, vocab_size, hidden_size, intermediate_size, ffn_dim, num_hidden_layers, num_attention_heads
        case num_key_value_heads, head_dim, rms_norm_eps, layer_norm_eps, rope_theta, rope_scaling, rope_parameters
        case rope_local_base_freq, max_position_embeddings, tie_word_embeddings, bos_token_id, eos_token_id
        case pad_token_id, sliding_window, use_sliding_window, sliding_window_pattern, _sliding_window_pattern
        case layer_types, query_pre_attn_scalar, attn_logit_softcapping, final_logit_softcapping, hidden_act
        case hidden_activation, activation_function, attention_bias, enable_bias, word_embed_proj_dim
        case do_layer_norm_before, text_config
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        keys = Set(c.allKeys.map(\.stringValue))
        modelType = try c.decodeIfPresent(String.self, forKey: .model_type)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocab_size)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hidden_size)
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediate_size)
        ffnDim = try c.decodeIfPresent(Int.self, forKey: .ffn_dim)
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .num_hidden_layers)
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .num_attention_heads)
        numKeyValueHeads = try c.decodeIfPresent(Int.self, forKey: .num_key_value_heads)
        headDim = try c.decodeIfPresent(Int.self, forKey: .head_dim)
        rmsNormEps = try c.decodeIfPresent(Double.self, forKey: .rms_norm_eps)
        layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layer_norm_eps)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .rope_theta)
        ropeScaling = try c.decodeIfPresent(HFRopeParameters.self, forKey: .rope_scaling)
        ropeParameters = try c.decodeIfPresent(HFRopeParameters.self, forKey: .rope_parameters)
        ropeLocalBaseFreq = try c.decodeIfPresent(Double.self, forKey: .rope_local_base_freq)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .max_position_embeddings)
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tie_word_embeddings)
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bos_token_id)
        // eos_token_id is an id or a list of ids.
        if let one = try? c.decodeIfPresent(Int.self, forKey: .eos_token_id) {
            eosTokenIds = [one]
        } else {
            eosTokenIds = try c.decodeIfPresent([Int].self, forKey: .eos_token_id)
        }
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .pad_token_id)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .sliding_window)
        useSlidingWindow = try c.decodeIfPresent(Bool.self, forKey: .use_sliding_window)
        slidingWindowPattern = try c.decodeIfPresent(Int.self, forKey: .sliding_window_pattern)
            ?? c.decodeIfPresent(Int.self, forKey: ._sliding_window_pattern)
        layerTypes = try c.decodeIfPresent([String].self, forKey: .layer_types)
        queryPreAttnScalar = try c.decodeIfPresent(Double.self, forKey: .query_pre_attn_scalar)
        attnLogitSoftcapping = try c.decodeIfPresent(Double.self, forKey: .attn_logit_softcapping)
        finalLogitSoftcapping = try c.decodeIfPresent(Double.self, forKey: .final_logit_softcapping)
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hidden_act)
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hidden_activation)
        activationFunction = try c.decodeIfPresent(String.self, forKey: .activation_function)
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attention_bias)
        enableBias = try c.decodeIfPresent(Bool.self, forKey: .enable_bias)
        wordEmbedProjDim = try c.decodeIfPresent(Int.self, forKey: .word_embed_proj_dim)
        doLayerNormBefore = try c.decodeIfPresent(Bool.self, forKey: .do_layer_norm_before)
        if let t = try c.decodeIfPresent(HFConfig.self, forKey: .text_config) { text = [t] }
    }

    /// Parses config.json bytes; errors name `file`.
    public static func decode(_ data: Data, file: String) throws(FormatError) -> HFConfig {
        do {
            return try JSONDecoder().decode(HFConfig.self, from: data)
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx),
                let DecodingError.dataCorrupted(ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw FormatError.invalid(file: file, field: path.isEmpty ? "json" : path, reason: ctx.debugDescription)
        } catch {
            throw FormatError.invalid(file: file, field: "json", reason: "\(error)")
        }
    }
}

/// `rope_scaling` (v4) or `rope_parameters` (v5). Gemma 3 under v5 nests one set per layer type.
public final class HFRopeParameters: Decodable, Sendable {
    public let ropeType: String?
    public let ropeTheta: Double?
    public let factor: Double?
    public let originalMaxPositionEmbeddings: Int?
    public let lowFreqFactor: Double?
    public let highFreqFactor: Double?
    public let fullAttention: HFRopeParameters?
    public let slidingAttention: HFRopeParameters?

    enum Keys: String, CodingKey {
        case rope_type, type, rope_theta, factor, original_max_position_embeddings, low_freq_factor, high_freq_factor
        case full_attention, sliding_attention
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        ropeType = try c.decodeIfPresent(String.self, forKey: .rope_type) ?? c.decodeIfPresent(String.self, forKey: .type)
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .rope_theta)
        factor = try c.decodeIfPresent(Double.self, forKey: .factor)
        originalMaxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .original_max_position_embeddings)
        lowFreqFactor = try c.decodeIfPresent(Double.self, forKey: .low_freq_factor)
        highFreqFactor = try c.decodeIfPresent(Double.self, forKey: .high_freq_factor)
        fullAttention = try c.decodeIfPresent(HFRopeParameters.self, forKey: .full_attention)
        slidingAttention = try c.decodeIfPresent(HFRopeParameters.self, forKey: .sliding_attention)
    }

    /// The scaling these parameters describe, nil for plain ("default") RoPE.
    var scaling: RopeScaling? {
        guard let t = ropeType, t != "default" else { return nil }
        return RopeScaling(type: t, factor: factor ?? 1, originalContextLength: originalMaxPositionEmbeddings,
                           lowFreqFactor: lowFreqFactor, highFreqFactor: highFreqFactor)
    }
}

extension ModelConfig {
    /// transformers' defaults for one model type (the values its config class uses for missing keys).
    private struct Defaults {
        var vocab: Int, hidden: Int, intermediate: Int, layers: Int, heads: Int, kvHeads: Int?
        var headDim: Int?, eps: Double, theta: Double?, context: Int, tied: Bool
        var bos: Int?, eos: Int?, pad: Int?, act: String, bias: Bool, slidingWindow: Int?, addBos: Bool
    }

    private static func defaults(_ arch: ModelArchitecture) -> Defaults {
        switch arch {
        case .llama:
            return Defaults(vocab: 32_000, hidden: 4096, intermediate: 11_008, layers: 32, heads: 32, kvHeads: nil,
                            headDim: nil, eps: 1e-6, theta: 10_000, context: 2048, tied: false, bos: 1, eos: 2, pad: nil,
                            act: "silu", bias: false, slidingWindow: nil, addBos: true)
        case .mistral:
            return Defaults(vocab: 32_000, hidden: 4096, intermediate: 14_336, layers: 32, heads: 32, kvHeads: 8,
                            headDim: nil, eps: 1e-6, theta: 10_000, context: 4096 * 32, tied: false, bos: 1, eos: 2,
                            pad: nil, act: "silu", bias: false, slidingWindow: 4096, addBos: true)
        case .qwen2:
            return Defaults(vocab: 151_936, hidden: 4096, intermediate: 22_016, layers: 32, heads: 32, kvHeads: 32,
                            headDim: nil, eps: 1e-6, theta: 10_000, context: 32_768, tied: false, bos: nil, eos: nil,
                            pad: nil, act: "silu", bias: true, slidingWindow: 4096, addBos: false)
        case .gemma3:
            return Defaults(vocab: 262_208, hidden: 2304, intermediate: 9216, layers: 26, heads: 8, kvHeads: 4,
                            headDim: 256, eps: 1e-6, theta: 1_000_000, context: 131_072, tied: true, bos: 2, eos: 1,
                            pad: 0, act: "gelu_pytorch_tanh", bias: false, slidingWindow: 4096, addBos: true)
        case .opt:
            return Defaults(vocab: 50_272, hidden: 768, intermediate: 3072, layers: 12, heads: 12, kvHeads: nil,
                            headDim: nil, eps: 1e-5, theta: nil, context: 2048, tied: true, bos: 2, eos: 2, pad: 1,
                            act: "relu", bias: true, slidingWindow: nil, addBos: true)
        }
    }

    /// The configuration described by a Hugging Face config.json, with transformers' defaults for missing keys.
    /// `addBos` comes from tokenizer_config.json's `add_bos_token` when known (config.json does not say).
    public init(huggingFace json: HFConfig, file: String, addBos: Bool? = nil) throws(FormatError) {
        var c = json
        guard let type = c.modelType else {
            throw FormatError.invalid(file: file, field: "model_type", reason: "missing")
        }
        let arch: ModelArchitecture
        switch type {
        case "llama": arch = .llama
        case "mistral": arch = .mistral
        case "qwen2": arch = .qwen2
        case "gemma3_text": arch = .gemma3
        case "gemma3":
            guard let text = c.textConfig else {
                throw FormatError.invalid(file: file, field: "text_config", reason: "missing for model_type gemma3")
            }
            c = text
            arch = .gemma3
        case "opt": arch = .opt
        default: throw FormatError.unsupported(file: file, field: "model_type", value: type)
        }
        let d = Self.defaults(arch)
        let hidden = c.hiddenSize ?? d.hidden
        let heads = c.numAttentionHeads ?? d.heads
        var headDim = c.headDim ?? d.headDim
        if headDim == nil {
            guard heads > 0, hidden % heads == 0 else {
                throw FormatError.invalid(file: file, field: "num_attention_heads",
                                          reason: "\(heads) does not divide hidden_size \(hidden)")
            }
            headDim = hidden / heads
        }
        let rope = c.ropeParameters
        let globalRope = rope?.fullAttention ?? rope
        var theta = arch == .opt ? nil : (c.ropeTheta ?? globalRope?.ropeTheta ?? d.theta)
        var localTheta: Double?
        var pattern: Int?
        var window: Int?
        switch arch {
        case .gemma3:
            localTheta = c.ropeLocalBaseFreq ?? rope?.slidingAttention?.ropeTheta ?? 10_000
            // layer_types is transformers 5's source of truth; the (private) pattern key is only a fallback.
            pattern = c.layerTypes?.firstIndex(of: "full_attention").map { $0 + 1 } ?? c.slidingWindowPattern ?? 6
            window = c.slidingWindow ?? d.slidingWindow
        case .mistral:
            // An explicit null means full attention everywhere.
            window = c.hasKey("sliding_window") ? c.slidingWindow : d.slidingWindow
        case .qwen2:
            window = c.useSlidingWindow == true ? (c.slidingWindow ?? d.slidingWindow) : nil
        case .llama, .opt:
            window = nil
        }
        if arch == .opt { theta = nil }
        // Token ids: as given (an explicit null means none), else the default. For a multimodal wrapper these
        // are the text config's, as transformers reads them.
        func tokenId(_ key: String, _ path: KeyPath<HFConfig, Int?>, _ fallback: Int?) -> Int? {
            c.hasKey(key) ? c[keyPath: path] : fallback
        }
        let eos = c.hasKey("eos_token_id") ? (c.eosTokenIds ?? []) : (d.eos.map { [$0] } ?? [])
        let config = ModelConfig(
            architecture: arch,
            vocabSize: c.vocabSize ?? d.vocab,
            hiddenSize: hidden,
            intermediateSize: (arch == .opt ? c.ffnDim : c.intermediateSize) ?? d.intermediate,
            layerCount: c.numHiddenLayers ?? d.layers,
            headCount: heads,
            kvHeadCount: c.numKeyValueHeads ?? d.kvHeads ?? heads,
            headDim: headDim!,
            normKind: arch == .opt ? .layerNorm : .rms,
            normEps: (arch == .opt ? c.layerNormEps : c.rmsNormEps) ?? d.eps,
            ropeTheta: theta,
            ropeLocalTheta: localTheta,
            slidingWindow: window,
            slidingWindowPattern: pattern,
            ropeScaling: c.ropeScaling?.scaling ?? globalRope?.scaling,
            contextLength: c.maxPositionEmbeddings ?? d.context,
            tiedEmbeddings: c.tieWordEmbeddings ?? json.tieWordEmbeddings ?? d.tied,
            bosTokenId: tokenId("bos_token_id", \.bosTokenId, d.bos),
            eosTokenIds: eos,
            padTokenId: tokenId("pad_token_id", \.padTokenId, d.pad),
            addBos: addBos ?? d.addBos,
            attentionLogitSoftcap: c.attnLogitSoftcapping,
            finalLogitSoftcap: c.finalLogitSoftcapping,
            queryPreAttnScalar: arch == .gemma3 ? (c.queryPreAttnScalar ?? 256) : nil,
            hiddenActivation: c.hiddenActivation ?? c.hiddenAct ?? c.activationFunction ?? d.act,
            attentionBias: arch == .opt ? (c.enableBias ?? true) : (arch == .qwen2 ? true : (c.attentionBias ?? d.bias)),
            wordEmbedProjDim: arch == .opt ? c.wordEmbedProjDim.flatMap { $0 == hidden ? nil : $0 } : nil)
        if arch == .opt, c.doLayerNormBefore == false {
            throw FormatError.unsupported(file: file, field: "do_layer_norm_before", value: "false (post-LN OPT-350m)")
        }
        try config.validate(file: file)
        self = config
    }

    /// Reads `config.json` (and `tokenizer_config.json`'s `add_bos_token`, when present) from a model folder,
    /// or a config.json given directly.
    public init(huggingFaceConfig url: URL) throws(FormatError) {
        var isDir: ObjCBool = false
        let configURL = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
            ? url.appendingPathComponent("config.json") : url
        let data: Data
        do { data = try Data(contentsOf: configURL) } catch {
            throw FormatError.io(file: configURL.path, reason: "cannot read: \(error.localizedDescription)")
        }
        var addBos: Bool?
        let tokURL = configURL.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        if let tok = try? Data(contentsOf: tokURL),
           let obj = try? JSONSerialization.jsonObject(with: tok) as? [String: Any] {
            addBos = obj["add_bos_token"] as? Bool
        }
        try self.init(huggingFace: HFConfig.decode(data, file: configURL.path), file: configURL.path, addBos: addBos)
    }
}
