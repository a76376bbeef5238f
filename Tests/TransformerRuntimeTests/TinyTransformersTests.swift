import Foundation
import LinearAlgebraCore
import Testing
@testable import TransformerRuntime

/// Tiny random Hugging Face checkpoints saved by transformers (make_tiny_fixtures.py): every logit of a
/// 24-token sequence within 1e-4 of transformers fp32 — LLaMA (LLaMA-3 RoPE scaling, q/k/v/o biases, untied),
/// Qwen2 (q/k/v biases, tied), Mistral (sliding window 4), Gemma 3 (local/global layers, window 4, q/k norms,
/// 1 + w norms, √hidden embedding scale), OPT (LayerNorm, learned positions, ReLU, biases). Also checks cached decoding against the same logits.
@Test(arguments: ["llama", "qwen2", "mistral", "gemma3", "opt"])
func tinyCheckpointMatchesTransformers(arch: String) throws {
    let dir = fixtureURL("tiny/\(arch)")
    let fx = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("logits.json")))
        as! [String: Any]
    let ids = fx["ids"] as! [Int], ref = (fx["logits"] as! [[NSNumber]]).map { $0.map(\.floatValue) }
    let model = try CausalLM(huggingFaceFolder: dir)
    var none: KVCache? = nil
    let logits = try model.forward(tokens: ids, cache: &none)
    var worst: Float = 0
    for t in ids.indices { for j in ref[t].indices { worst = max(worst, abs(logits[t, j] - ref[t][j])) } }
    #expect(worst < 1e-4, "\(arch): max |Δlogit| \(worst)")
    var cache: KVCache? = model.makeCache(capacity: ids.count)
    _ = try model.forward(tokens: Array(ids[0..<10]), cache: &cache)
    for t in 10..<ids.count {
        let row = try model.lastLogits(tokens: [ids[t]], cache: &cache)
        let d = zip(row, ref[t]).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(d < 1e-4, "\(arch): cached step \(t): \(d)")
    }
}
