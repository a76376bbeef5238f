import Formats
import Foundation
import LinearAlgebraCore

/// GGUF → Hugging Face: the `config.json`, `generation_config.json` and `model.safetensors` of a folder that
/// `transformers` (and ``ModelConfig/init(huggingFaceConfig:)`` / ``SafeTensorsFolder``) load; with the tokenizer
/// files, the whole folder (``convert(gguf:to:options:)``, HuggingFaceFolderExport.swift). The converter lives in
/// this module, the lowest that sees both the weights (Formats) and the tokenizer.
///
/// Tensor names follow transformers' GGUF loader in reverse (`token_embd` → `model.embed_tokens`,
/// `blk.N.attn_q` → `model.layers.N.self_attn.q_proj`, …). Weights are put in Hugging Face layout:
/// - llama / mistral: the attn_q / attn_k rows are un-permuted (``GGUFFile/dequantizeHF(_:config:variant:parallelism:)``).
/// - gemma3: llama.cpp stores every RMSNorm weight as (1 + w) (Gemma's norm computes x̂ · (1 + w)); the
///   folder stores w = stored − 1, as transformers' `Gemma2TensorProcessor` does when it reads a GGUF file.
public enum HuggingFaceExport {
    /// The architectures the exporter knows the Hugging Face names of.
    public static let supported: Set<ModelArchitecture> = [.llama, .mistral, .qwen2, .gemma3]

    /// Hugging Face `architectures` class and `model_type` of an architecture.
    static func classNames(_ arch: ModelArchitecture) -> (architecture: String, modelType: String)? {
        switch arch {
        case .llama: return ("LlamaForCausalLM", "llama")
        case .mistral: return ("MistralForCausalLM", "mistral")
        case .qwen2: return ("Qwen2ForCausalLM", "qwen2")
        case .gemma3: return ("Gemma3ForCausalLM", "gemma3_text")
        case .opt: return nil
        }
    }

    /// The Hugging Face name of GGUF tensor `name`, nil for tensors transformers does not keep
    /// (`rope_freqs.weight`, which it recomputes from the config).
    public static func tensorName(gguf name: String, architecture: ModelArchitecture) throws(FormatError) -> String? {
        let gemma = architecture == .gemma3
        switch name {
        case "token_embd.weight": return "model.embed_tokens.weight"
        case "output_norm.weight": return "model.norm.weight"
        case "output.weight": return "lm_head.weight"
        case "rope_freqs.weight": return nil
        default: break
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0 else {
            throw FormatError.unsupported(file: "<gguf>", field: "tensor '\(name)'", value: "no Hugging Face name")
        }
        let kind = String(parts[3])  // weight / bias
        let hf: String?
        switch parts[2] {
        case "attn_norm": hf = "input_layernorm"
        case "attn_q": hf = "self_attn.q_proj"
        case "attn_k": hf = "self_attn.k_proj"
        case "attn_v": hf = "self_attn.v_proj"
        case "attn_output": hf = "self_attn.o_proj"
        case "attn_q_norm": hf = "self_attn.q_norm"
        case "attn_k_norm": hf = "self_attn.k_norm"
        case "ffn_gate": hf = "mlp.gate_proj"
        case "ffn_up": hf = "mlp.up_proj"
        case "ffn_down": hf = "mlp.down_proj"
        // Llama: the norm before the MLP is `post_attention_layernorm`; Gemma has four norms per block.
        case "ffn_norm": hf = gemma ? "pre_feedforward_layernorm" : "post_attention_layernorm"
        case "post_attention_norm": hf = gemma ? "post_attention_layernorm" : nil
        case "post_ffw_norm": hf = gemma ? "post_feedforward_layernorm" : nil
        default: hf = nil
        }
        guard let hf, kind == "weight" || kind == "bias" else {
            throw FormatError.unsupported(file: "<gguf>", field: "tensor '\(name)'", value: "no Hugging Face name")
        }
        return "model.layers.\(layer).\(hf).\(kind)"
    }

    /// The `config.json` text for `config`: the keys transformers reads for the architecture, with
    /// `torch_dtype` naming the stored weight type.
    public static func configJSON(_ config: ModelConfig, dtype: SafeTensorsDType) throws(FormatError) -> String {
        guard let names = classNames(config.architecture), supported.contains(config.architecture) else {
            throw FormatError.unsupported(file: "config.json", field: "architecture",
                                          value: config.architecture.rawValue)
        }
        // Integers as "n.0"; values that are exactly Floats (GGUF stores f32) by the shortest Float spelling,
        // so 1e-5 reads "1e-05" rather than its f32 widening 9.999999747378752e-06.
        func num(_ d: Double) -> String {
            if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) + ".0" }
            return Double(Float(d)) == d ? "\(Float(d))" : "\(d)"
        }
        func opt(_ d: Double?) -> String { d.map(num) ?? "null" }
        func optInt(_ i: Int?) -> String { i.map(String.init) ?? "null" }
        var kv: [(String, String)] = [
            ("architectures", "[\"\(names.architecture)\"]"),
            ("model_type", "\"\(names.modelType)\""),
            ("vocab_size", "\(config.vocabSize)"),
            ("hidden_size", "\(config.hiddenSize)"),
            ("intermediate_size", "\(config.intermediateSize)"),
            ("num_hidden_layers", "\(config.layerCount)"),
            ("num_attention_heads", "\(config.headCount)"),
            ("num_key_value_heads", "\(config.kvHeadCount)"),
            ("head_dim", "\(config.headDim)"),
            ("rms_norm_eps", num(config.normEps)),
            ("rope_theta", opt(config.ropeTheta)),
            ("max_position_embeddings", "\(config.contextLength)"),
            ("tie_word_embeddings", "\(config.tiedEmbeddings)"),
            ("bos_token_id", optInt(config.bosTokenId)),
            ("eos_token_id", config.eosTokenIds.count == 1 ? "\(config.eosTokenIds[0])"
                : "[\(config.eosTokenIds.map(String.init).joined(separator: ","))]"),
            ("pad_token_id", optInt(config.padTokenId)),
            ("torch_dtype", "\"\(torchDType(dtype))\""),
            ("attention_bias", "\(config.attentionBias)"),
            ("attention_dropout", "0.0"),
            ("initializer_range", "0.02"),
            ("use_cache", "true"),
        ]
        if let s = config.ropeScaling {
            var parts = ["\"rope_type\":\"\(s.type)\"", "\"factor\":\(num(s.factor))"]
            if let o = s.originalContextLength { parts.append("\"original_max_position_embeddings\":\(o)") }
            if let l = s.lowFreqFactor { parts.append("\"low_freq_factor\":\(num(l))") }
            if let h = s.highFreqFactor { parts.append("\"high_freq_factor\":\(num(h))") }
            kv.append(("rope_scaling", "{\(parts.joined(separator: ","))}"))
        } else {
            kv.append(("rope_scaling", "null"))
        }
        switch config.architecture {
        case .gemma3:
            kv.append(("hidden_activation", "\"\(config.hiddenActivation)\""))
            // transformers ≥ 5 types this field as an int.
            kv.append(("query_pre_attn_scalar", config.queryPreAttnScalar.map {
                $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : "\($0)"
            } ?? "null"))
            kv.append(("rope_local_base_freq", opt(config.ropeLocalTheta)))
            kv.append(("sliding_window", optInt(config.slidingWindow)))
            if let p = config.slidingWindowPattern { kv.append(("sliding_window_pattern", "\(p)")) }
            let types = (0..<config.layerCount).map {
                config.isSlidingWindowLayer($0) ? "\"sliding_attention\"" : "\"full_attention\""
            }
            kv.append(("layer_types", "[\(types.joined(separator: ","))]"))
            kv.append(("attn_logit_softcapping", opt(config.attentionLogitSoftcap)))
            kv.append(("final_logit_softcapping", opt(config.finalLogitSoftcap)))
            kv.append(("use_bidirectional_attention", "false"))
        case .mistral:
            kv.append(("hidden_act", "\"\(config.hiddenActivation)\""))
            kv.append(("sliding_window", optInt(config.slidingWindow)))
        case .qwen2:
            kv.append(("hidden_act", "\"\(config.hiddenActivation)\""))
            kv.append(("use_sliding_window", "\(config.slidingWindow != nil)"))
            kv.append(("sliding_window", optInt(config.slidingWindow)))
        default:
            kv.append(("hidden_act", "\"\(config.hiddenActivation)\""))
            kv.append(("mlp_bias", "false"))
        }
        return "{\n" + kv.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// `generation_config.json`: the BOS / EOS / pad ids.
    public static func generationConfigJSON(_ config: ModelConfig) -> String {
        var kv: [String] = []
        if let b = config.bosTokenId { kv.append("\"bos_token_id\": \(b)") }
        if !config.eosTokenIds.isEmpty {
            kv.append("\"eos_token_id\": " + (config.eosTokenIds.count == 1 ? "\(config.eosTokenIds[0])"
                : "[\(config.eosTokenIds.map(String.init).joined(separator: ","))]"))
        }
        if let p = config.padTokenId { kv.append("\"pad_token_id\": \(p)") }
        return "{\n  " + kv.joined(separator: ",\n  ") + "\n}\n"
    }

    /// PyTorch's name of a stored weight type.
    static func torchDType(_ d: SafeTensorsDType) -> String {
        switch d {
        case .f16: return "float16"
        case .bf16: return "bfloat16"
        default: return "float32"
        }
    }

    /// GGUF tensor `name` in Hugging Face layout: ``GGUFFile/dequantizeHF(_:config:variant:parallelism:)``,
    /// then for gemma3 norm weights w = stored − 1.
    public static func tensor(_ gguf: GGUFFile, _ name: String, config: ModelConfig,
                              parallelism: Parallelism = .serial) throws(FormatError) -> Matrix<Float> {
        var m = try gguf.dequantizeHF(name, config: config, parallelism: parallelism)
        if config.architecture == .gemma3, name.hasSuffix("norm.weight") {
            for i in m.elements.indices { m.elements[i] -= 1 }
        }
        return m
    }

    /// Writes `model.safetensors` (every tensor of `gguf` under its Hugging Face name, as `dtype`) to `url`,
    /// atomically. Vectors (norms, biases) get shape [n], matrices [out, in].
    public static func writeWeights(_ gguf: GGUFFile, config: ModelConfig, dtype: SafeTensorsDType, to url: URL,
                                    parallelism: Parallelism = .serial) throws(FormatError) {
        guard supported.contains(config.architecture) else {
            throw FormatError.unsupported(file: gguf.url.path, field: "general.architecture",
                                          value: config.architecture.rawValue)
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for info in gguf.tensors {
            let hfName: String?
            do { hfName = try tensorName(gguf: info.name, architecture: config.architecture) } catch {
                throw FormatError.unsupported(file: gguf.url.path, field: "tensor '\(info.name)'",
                                              value: "no Hugging Face name for \(config.architecture.rawValue)")
            }
            guard let hfName else { continue }
            let m = try tensor(gguf, info.name, config: config, parallelism: parallelism)
            try writer.add(hfName, m, dtype: dtype, shape: info.dims.count == 1 ? [info.dims[0]] : info.shape)
        }
        try writer.write(to: url)
    }
}
