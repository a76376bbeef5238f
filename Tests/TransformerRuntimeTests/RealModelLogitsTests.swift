import Foundation
import LinearAlgebraCore
import Testing
@testable import Formats
@testable import TransformerRuntime

/// Logits of the first PTB-test window against transformers fp32 (fixtures from make_runtime_fixtures.py):
/// at each stored position, every stored entry (the top 64 and every stride-th vocabulary index) within 1e-3,
/// the whole row's log-sum-exp within 1e-3, and the same argmax. Causality lets the run stop at the last
/// checked position; debug builds check positions 0–2 only (3 tokens).
@Test(arguments: ["smollm2", "gemma3"])
func realModelLogitsMatchTransformers(name: String) throws {
    let data = try Data(contentsOf: fixtureURL("\(name)_logits.json"))
    let fx = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let ids = fx["ids"] as! [Int], bos = fx["bos"] as! Bool
    let cache = AssetCache.default
    let model = try CausalLM(ggufURL: cache.require(name == "smollm2" ? cache.smolLM2 : cache.gemma3),
                             parallelism: .threads(2))
    #if DEBUG
    let positions = (fx["positions"] as! [Int]).filter { $0 <= 2 }
    #else
    let positions = fx["positions"] as! [Int]
    #endif
    let tokens = Array(((bos ? [fx["bos_token_id"] as! Int] : []) + ids).prefix(positions.max()! + 1))
    var none: KVCache? = nil
    let hidden = try model.hiddenStates(tokens: tokens, cache: &none)
    let window0 = fx["window0"] as! [String: [String: Any]]
    for p in positions {
        let ref = window0[String(p)]!
        let row = model.logits(hidden: hidden, rows: p..<p + 1).elements
        let indices = ref["indices"] as! [Int], values = (ref["values"] as! [NSNumber]).map(\.doubleValue)
        var worst = 0.0
        for (i, v) in zip(indices, values) { worst = max(worst, abs(Double(row[i]) - v)) }
        let m = row.max()!
        let lse = Double(m) + log(row.reduce(0.0) { $0 + exp(Double($1 - m)) })
        #expect(worst < 1e-3, "\(name) position \(p): max |Δlogit| \(worst)")
        #expect(abs(lse - (ref["logsumexp"] as! NSNumber).doubleValue) < 1e-3, "\(name) position \(p): logsumexp")
        #expect(Sampler.argmax(row) == ref["argmax"] as! Int)
    }
}
