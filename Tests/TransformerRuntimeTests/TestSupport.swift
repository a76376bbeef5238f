import Foundation
import LinearAlgebraCore
@testable import Formats
@testable import TransformerRuntime

/// Max |a − b| over all elements.
func maxAbsDiff(_ a: Matrix<Float>, _ b: Matrix<Float>) -> Float {
    precondition(a.rows == b.rows && a.cols == b.cols)
    return zip(a.elements, b.elements).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}

/// Gaussian matrix scaled by `scale`.
func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64, scale: Float = 1) -> Matrix<Float> {
    var m = Matrix<Float>.gaussian(rows: rows, cols: cols, seed: seed)
    for i in m.elements.indices { m.elements[i] *= scale }
    return m
}

func fixtureURL(_ name: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// A tiny random LLaMA-family checkpoint written as a Hugging Face folder (config.json + model.safetensors).
struct TinyCheckpoint {
    var modelType = "llama"
    var vocab = 61, hidden = 32, intermediate = 48, layers = 2, heads = 4, kvHeads = 2
    var attentionBias = false
    var slidingWindow: Int? = nil
    var tied = true
    var seed: UInt64 = 1

    var headDim: Int { hidden / heads }

    /// Every tensor of the checkpoint, HF names → shape-correct random values (norm weights near 1).
    func tensors() -> [(String, Matrix<Float>, [Int])] {
        var out: [(String, Matrix<Float>, [Int])] = []
        var s = seed
        func add(_ name: String, _ rows: Int, _ cols: Int, vector: Bool = false, norm: Bool = false) {
            s &+= 1
            var m = randomMatrix(rows, cols, seed: s, scale: norm ? 0.1 : 0.3)
            if norm { for i in m.elements.indices { m.elements[i] += 1 } }
            out.append((name, m, vector ? [cols] : [rows, cols]))
        }
        add("model.embed_tokens.weight", vocab, hidden)
        let q = heads * headDim, kv = kvHeads * headDim
        for i in 0..<layers {
            let p = "model.layers.\(i)."
            add(p + "input_layernorm.weight", 1, hidden, vector: true, norm: true)
            add(p + "self_attn.q_proj.weight", q, hidden)
            add(p + "self_attn.k_proj.weight", kv, hidden)
            add(p + "self_attn.v_proj.weight", kv, hidden)
            if attentionBias {
                add(p + "self_attn.q_proj.bias", 1, q, vector: true)
                add(p + "self_attn.k_proj.bias", 1, kv, vector: true)
                add(p + "self_attn.v_proj.bias", 1, kv, vector: true)
            }
            add(p + "self_attn.o_proj.weight", hidden, q)
            add(p + "post_attention_layernorm.weight", 1, hidden, vector: true, norm: true)
            add(p + "mlp.gate_proj.weight", intermediate, hidden)
            add(p + "mlp.up_proj.weight", intermediate, hidden)
            add(p + "mlp.down_proj.weight", hidden, intermediate)
        }
        add("model.norm.weight", 1, hidden, vector: true, norm: true)
        if !tied { add("lm_head.weight", vocab, hidden) }
        return out
    }

    var configJSON: String {
        var keys = [
            "\"model_type\": \"\(modelType)\"", "\"vocab_size\": \(vocab)", "\"hidden_size\": \(hidden)",
            "\"intermediate_size\": \(intermediate)", "\"num_hidden_layers\": \(layers)",
            "\"num_attention_heads\": \(heads)", "\"num_key_value_heads\": \(kvHeads)", "\"rope_theta\": 10000.0",
            "\"max_position_embeddings\": 128", "\"rms_norm_eps\": 1e-05", "\"tie_word_embeddings\": \(tied)",
            "\"hidden_act\": \"silu\"", "\"bos_token_id\": 1", "\"eos_token_id\": 2",
        ]
        if modelType == "llama" { keys.append("\"attention_bias\": \(attentionBias)") }
        if let w = slidingWindow { keys.append("\"sliding_window\": \(w)") }
        return "{" + keys.joined(separator: ", ") + "}"
    }

    /// Writes the folder (optionally with tensors edited by `edit`) and returns its URL.
    func write(edit: (inout [(String, Matrix<Float>, [Int])]) -> Void = { _ in }) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tiny-\(modelType)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try configJSON.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        var t = tensors()
        edit(&t)
        var w = SafeTensorsWriter()
        for (name, m, shape) in t { try w.add(name, m, shape: shape) }
        try w.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func load() throws -> CausalLM { try CausalLM(huggingFaceFolder: write()) }
}
