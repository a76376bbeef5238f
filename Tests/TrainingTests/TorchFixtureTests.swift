import Foundation
import LinearAlgebraCore
import Testing
import TransformerRuntime
@testable import Training

/// The LoRA gradients of a whole tiny low-rank checkpoint (adapters on every u and v factor) against torch + peft
/// in float64 (Fixtures/make_lora_fixture.py): the same A (our Kaiming-uniform draw, replayed by the script), the
/// same B, two sequences with unscored positions. transformers rounds the RoPE angles to float32 even in float64,
/// so the bound is in float32 ε: 64·ε_f32 of each gradient's scale (Double), 256·ε_f32 (Float, which also rounds
/// every product).
@Test(arguments: [false, true])
func loraGradientsMatchTorchPeft(single: Bool) throws {
    let data = try Data(contentsOf: fixtureURL("lora_gradients.json"))
    let fx = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let ids = fx["ids"] as! [Int], split = fx["split"] as! Int, unscored = fx["unscored"] as! [Int]
    let modules = fx["modules"] as! [String], grads = fx["gradients"] as! [String: [String: [Double]]]
    var labels = ids
    for t in unscored { labels[t] = -100 }
    let batch = MicroBatch([TrainingSequence(tokens: Array(ids[..<split]), labels: Array(labels[..<split])),
                            TrainingSequence(tokens: Array(ids[split...]))])
    #expect(batch.targetCount == fx["scored"] as! Int)
    let runtime = try CausalLM(huggingFaceFolder: fixtureURL("tiny-llama-lowrank"))

    func check<T: TrainingScalar>(_: T.Type, bound: Double) throws {
        var m = try TrainableModel<T>(runtime)
        let keys = m.adapterSites
        #expect(keys.map(\.module) == modules)
        m.addAdapters(keys, rank: fx["rank"] as! Int, alpha: Double(fx["alpha"] as! Int),
                      seed: UInt64(fx["a_seed"] as! Int))
        var g = SeededGenerator(seed: UInt64(fx["b_seed"] as! Int))
        let bScale = fx["b_scale"] as! Double
        for key in keys {
            for i in m[adapter: key]!.b.elements.indices {
                m[adapter: key]!.b.elements[i] = T((g.nextUniform() * 2 - 1) * bScale)
            }
        }
        let r = m.accumulateGradients(batch, gradientScale: 1 / T(Double(batch.targetCount)), dropout: nil)
        let loss = r.sum / Double(r.count)
        #expect(abs(loss - (fx["loss"] as! Double)) <= bound * loss, "\(T.self) loss \(loss)")
        for key in keys {
            let a = m[adapter: key]!
            for (name, mine) in [("A", a.gradA), ("B", a.gradB)] {
                let ref = grads[key.module]![name]!
                let scale = ref.map(abs).max()!
                let worst = zip(mine.elements, ref).map { abs($0.asDouble - $1) }.max()!
                #expect(worst <= bound * scale, "\(T.self) \(key) \(name): \(worst) of \(scale)")
            }
        }
    }
    if single {
        try check(Float.self, bound: 256 * Double(Float.ulpOfOne))
    } else {
        try check(Double.self, bound: 64 * Double(Float.ulpOfOne))
    }
}
