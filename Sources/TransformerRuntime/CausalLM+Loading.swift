import Foundation
import GEMM
import Formats
import LinearAlgebraCore

extension CausalLM {
    /// Loads a model from a GGUF file: every tensor dequantized to float32, llama q/k un-permuted, the output
    /// tied to the token embedding when the file has no `output.weight`. Fails if a tensor is missing, has the
    /// wrong shape, or is left unused.
    ///
    /// `storage`: the linears and the embedding are converted to it tensor by tensor as they are read (so memory
    /// holds one f32 tensor at a time beside the converted ones); nil = f32.
    public init(gguf: GGUFFile, parallelism: Parallelism = .serial, storage: WeightStorage? = nil) throws {
        let config = try ModelConfig(gguf: gguf)
        try self.init(binder: WeightBinder(source: .gguf(gguf), config: config, parallelism: parallelism,
                                           storage: storage))
    }

    /// Loads a GGUF file by path.
    public init(ggufURL url: URL, parallelism: Parallelism = .serial, storage: WeightStorage? = nil) throws {
        try self.init(gguf: GGUFFile(url: url), parallelism: parallelism, storage: storage)
    }

    /// Loads a Hugging Face folder: `config.json` and `model.safetensors` (or a sharded index).
    ///
    /// `storage`: as for GGUF; nil = as stored (f16 / bf16 tensors stay 16-bit, f32 stays f32).
    public init(huggingFaceFolder directory: URL, parallelism: Parallelism = .serial,
                storage: WeightStorage? = nil) throws {
        let config = try ModelConfig(huggingFaceConfig: directory.appendingPathComponent("config.json"))
        let folder = try SafeTensorsFolder(directory: directory)
        let binder = WeightBinder(source: .huggingFace(folder), config: config, parallelism: parallelism, storage: storage)
        binder.quantizedBits = try GPTQPackedTensors.bits(inFolder: directory)
        try self.init(binder: binder)
    }

    init(binder b: WeightBinder) throws {
        let c = b.config
        if c.architecture == .opt {
            try self.init(optBinder: b)
            return
        }
        let embedding = try b.weightMatrix(b.name(gguf: "token_embd.weight", hf: "model.embed_tokens.weight"),
                                           rows: c.vocabSize, cols: c.hiddenSize)
        let blocks: [any DecoderBlock]
        let finalNorm: any Normalization
        let scale: Float
        switch c.architecture {
        case .llama, .mistral, .qwen2:
            blocks = try (0..<c.layerCount).map { i throws in try LlamaBlock(binder: b, layer: i) }
            finalNorm = RMSNorm(gamma: try b.vector(b.name(gguf: "output_norm.weight", hf: "model.norm.weight"),
                                                    count: c.hiddenSize), eps: Float(c.normEps))
            scale = 1
            b.ignore("rope_freqs.weight")  // llama.cpp's LLaMA 3 factors; recomputed from rope_scaling
        case .gemma3:
            blocks = try (0..<c.layerCount).map { i throws in try Gemma3Block(binder: b, layer: i) }
            finalNorm = try Gemma3Block.norm(b, b.name(gguf: "output_norm.weight", hf: "model.norm.weight"),
                                             count: c.hiddenSize)
            // transformers multiplies by √hidden rounded to the weights' dtype (float32 here).
            scale = Float(Double(c.hiddenSize).squareRoot())
        case .opt:
            preconditionFailure("handled by init(optBinder:)")
        }
        let outputName = b.name(gguf: "output.weight", hf: "lm_head.weight")
        let output: Linear, tied: Bool
        if b.hasMatrix(outputName) {
            output = try b.linear(outputName, bias: nil, out: c.vocabSize, in: c.hiddenSize)
            tied = false
        } else if c.tiedEmbeddings || b.isGGUF {
            output = CausalLM.tiedOutput(embedding)
            tied = true
        } else {
            throw RuntimeError.missingTensor(file: b.file, name: outputName)
        }
        try b.finish()
        self.init(config: c, embedding: embedding, embeddingScale: scale, blocks: blocks, finalNorm: finalNorm,
                  output: output, outputTied: tied, finalLogitSoftcap: c.finalLogitSoftcap.map(Float.init),
                  parallelism: b.parallelism)
    }
}

extension CausalLM {
    /// OPT from a Hugging Face folder (`model.decoder.*`), learned positions at offset 2, tied `lm_head`.
    init(optBinder b: WeightBinder) throws {
        let c = b.config
        guard !b.isGGUF else { throw RuntimeError.unsupportedArchitecture("opt in GGUF") }
        guard c.wordEmbedProjDim == nil else {
            throw RuntimeError.unsupportedArchitecture("opt with word_embed_proj_dim ≠ hidden_size (project_in/out)")
        }
        b.hfLayerPrefix = "model.decoder.layers."
        let d = c.hiddenSize, f = c.intermediateSize, eps = Float(c.normEps)
        let embedding = try b.weightMatrix("model.decoder.embed_tokens.weight", rows: c.vocabSize, cols: d)
        let offset = 2
        let positions = try b.matrix("model.decoder.embed_positions.weight", rows: c.contextLength + offset, cols: d)
        func norm(_ name: String) throws -> LayerNorm {
            LayerNorm(gamma: try b.vector(name + ".weight", count: d), beta: try b.vector(name + ".bias", count: d), eps: eps)
        }
        let blocks: [any DecoderBlock] = try (0..<c.layerCount).map { i throws in
            func lin(_ n: String, out: Int, in k: Int) throws -> Linear {
                try b.linear(b.layer(i, gguf: "", hf: "\(n).weight"),
                             bias: c.attentionBias ? b.layer(i, gguf: "", hf: "\(n).bias") : nil, out: out, in: k)
            }
            return OPTBlock(attentionNorm: try norm(b.layer(i, gguf: "", hf: "self_attn_layer_norm")),
                            q: try lin("self_attn.q_proj", out: d, in: d), k: try lin("self_attn.k_proj", out: d, in: d),
                            v: try lin("self_attn.v_proj", out: d, in: d), o: try lin("self_attn.out_proj", out: d, in: d),
                            mlpNorm: try norm(b.layer(i, gguf: "", hf: "final_layer_norm")),
                            fc1: try lin("fc1", out: f, in: d), fc2: try lin("fc2", out: d, in: f),
                            heads: c.headCount, headDim: c.headDim)
        }
        let finalNorm = try norm("model.decoder.final_layer_norm")
        let output: Linear, tied: Bool
        if b.hasMatrix("lm_head.weight") {
            output = try b.linear("lm_head.weight", bias: nil, out: c.vocabSize, in: d)
            tied = false
        } else {
            output = CausalLM.tiedOutput(embedding)
            tied = true
        }
        try b.finish()
        self.init(config: c, embedding: embedding, embeddingScale: 1, blocks: blocks, finalNorm: finalNorm,
                  output: output, outputTied: tied, finalLogitSoftcap: nil, parallelism: b.parallelism)
        positionEmbedding = positions
        positionOffset = offset
    }
}

extension LlamaBlock {
    init(binder b: WeightBinder, layer i: Int) throws {
        let c = b.config
        let d = c.hiddenSize, qw = c.headCount * c.headDim, kvw = c.kvHeadCount * c.headDim, f = c.intermediateSize
        func lin(_ g: String, _ h: String, out: Int, in n: Int, bias: Bool) throws -> Linear {
            try b.linear(b.layer(i, gguf: "\(g).weight", hf: "\(h).weight"),
                         bias: bias ? b.layer(i, gguf: "\(g).bias", hf: "\(h).bias") : nil, out: out, in: n)
        }
        func norm(_ g: String, _ h: String) throws -> RMSNorm {
            RMSNorm(gamma: try b.vector(b.layer(i, gguf: g, hf: h), count: d), eps: Float(c.normEps))
        }
        guard let theta = c.ropeTheta else { throw RuntimeError.invalidInput(argument: "rope_theta", reason: "missing") }
        // Qwen2 has biases on q/k/v only; files that carry an o bias are accepted too.
        let bias = c.attentionBias || b.has(b.layer(i, gguf: "attn_q.bias", hf: "self_attn.q_proj.bias"))
        let oBias = b.has(b.layer(i, gguf: "attn_output.bias", hf: "self_attn.o_proj.bias"))
        self.init(attentionNorm: try norm("attn_norm.weight", "input_layernorm.weight"),
                  q: try lin("attn_q", "self_attn.q_proj", out: qw, in: d, bias: bias),
                  k: try lin("attn_k", "self_attn.k_proj", out: kvw, in: d, bias: bias),
                  v: try lin("attn_v", "self_attn.v_proj", out: kvw, in: d, bias: bias),
                  o: try lin("attn_output", "self_attn.o_proj", out: d, in: qw, bias: oBias),
                  mlpNorm: try norm("ffn_norm.weight", "post_attention_layernorm.weight"),
                  gate: try lin("ffn_gate", "mlp.gate_proj", out: f, in: d, bias: false),
                  up: try lin("ffn_up", "mlp.up_proj", out: f, in: d, bias: false),
                  down: try lin("ffn_down", "mlp.down_proj", out: d, in: f, bias: false),
                  heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDim,
                  rope: try RotaryEmbedding(headDim: c.headDim, theta: theta, scaling: c.ropeScaling),
                  window: c.isSlidingWindowLayer(i) ? c.slidingWindow : nil,
                  activation: try Activation(huggingFaceName: c.hiddenActivation))
    }
}

extension Gemma3Block {
    /// A Gemma norm: GGUF stores 1 + w already (llama.cpp's converter adds 1), Hugging Face stores w.
    static func norm(_ b: WeightBinder, _ name: String, count: Int) throws -> RMSNorm {
        var g = try b.vector(name, count: count)
        if !b.isGGUF { g = g.map { 1 + $0 } }
        return RMSNorm(gamma: g, eps: Float(b.config.normEps))
    }

    init(binder b: WeightBinder, layer i: Int) throws {
        let c = b.config
        let d = c.hiddenSize, qw = c.headCount * c.headDim, kvw = c.kvHeadCount * c.headDim, f = c.intermediateSize
        func lin(_ g: String, _ h: String, out: Int, in n: Int) throws -> Linear {
            try b.linear(b.layer(i, gguf: "\(g).weight", hf: "\(h).weight"), bias: nil, out: out, in: n)
        }
        func norm(_ g: String, _ h: String, _ n: Int) throws -> RMSNorm {
            try Gemma3Block.norm(b, b.layer(i, gguf: g, hf: h), count: n)
        }
        let local = c.isSlidingWindowLayer(i)
        guard let globalTheta = c.ropeTheta else {
            throw RuntimeError.invalidInput(argument: "rope_theta", reason: "missing")
        }
        let theta = local ? (c.ropeLocalTheta ?? 10_000) : globalTheta
        self.init(inputNorm: try norm("attn_norm.weight", "input_layernorm.weight", d),
                  postAttentionNorm: try norm("post_attention_norm.weight", "post_attention_layernorm.weight", d),
                  preMLPNorm: try norm("ffn_norm.weight", "pre_feedforward_layernorm.weight", d),
                  postMLPNorm: try norm("post_ffw_norm.weight", "post_feedforward_layernorm.weight", d),
                  queryNorm: try norm("attn_q_norm.weight", "self_attn.q_norm.weight", c.headDim),
                  keyNorm: try norm("attn_k_norm.weight", "self_attn.k_norm.weight", c.headDim),
                  q: try lin("attn_q", "self_attn.q_proj", out: qw, in: d),
                  k: try lin("attn_k", "self_attn.k_proj", out: kvw, in: d),
                  v: try lin("attn_v", "self_attn.v_proj", out: kvw, in: d),
                  o: try lin("attn_output", "self_attn.o_proj", out: d, in: qw),
                  gate: try lin("ffn_gate", "mlp.gate_proj", out: f, in: d),
                  up: try lin("ffn_up", "mlp.up_proj", out: f, in: d),
                  down: try lin("ffn_down", "mlp.down_proj", out: d, in: f),
                  heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDim,
                  // Only the global layers are rescaled (transformers' rope_parameters.full_attention).
                  rope: try RotaryEmbedding(headDim: c.headDim, theta: theta, scaling: local ? nil : c.ropeScaling),
                  window: local ? c.slidingWindow : nil,
                  scale: Float(c.attentionScale),
                  softcap: c.attentionLogitSoftcap.map(Float.init),
                  activation: try Activation(huggingFaceName: c.hiddenActivation))
    }
}
