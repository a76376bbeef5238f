import Foundation
import LinearAlgebraCore
import Testing
import TransformerRuntime
@testable import Training

/// The 24 token ids of the tiny checkpoints' logits fixture.
func tinyIDs(_ arch: String) throws -> [Int] {
    let data = try Data(contentsOf: tinyCheckpoint(arch).appendingPathComponent("logits.json"))
    return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["ids"] as! [Int]
}

/// The training forward's loss is the runtime's likelihood (``CausalLM/negativeLogLikelihood``) of the same
/// tokens, in Float and in Double, within 8·ε_f32 of the summed loss (the Float runtime is the reference).
@Test(arguments: ["llama", "qwen2", "mistral", "gemma3"])
func trainingLossEqualsRuntimeLikelihood(arch: String) throws {
    let model = try CausalLM(huggingFaceFolder: tinyCheckpoint(arch))
    let ids = try tinyIDs(arch)
    var none: KVCache? = nil
    let h = try model.hiddenStates(tokens: ids, cache: &none)
    let runtime = model.negativeLogLikelihood(hidden: h, rows: 0..<ids.count - 1, targets: Array(ids.dropFirst()))
    let batch = MicroBatch([TrainingSequence(tokens: ids)])
    let f = try TrainableModel<Float>(model).loss(batch)
    let d = try TrainableModel<Double>(model).loss(batch)
    #expect(f.count == ids.count - 1 && d.count == ids.count - 1)
    let bound = 8 * Double(Float.ulpOfOne) * runtime
    #expect(abs(f.sum - runtime) <= bound, "\(arch): f32 \(f.sum) vs runtime \(runtime)")
    #expect(abs(d.sum - runtime) <= bound, "\(arch): f64 \(d.sum) vs runtime \(runtime)")
}

/// Sequences laid end to end do not see each other: the loss of a micro-batch of two is the sum of each alone.
@Test func sequencesOfAMicroBatchAreIndependent() throws {
    let m = try TrainableModel<Double>(CausalLM(huggingFaceFolder: tinyCheckpoint("mistral")))
    let ids = try tinyIDs("mistral")
    let a = TrainingSequence(tokens: Array(ids[0..<15])), b = TrainingSequence(tokens: Array(ids[15...]))
    let both = m.loss(MicroBatch([a, b])), one = m.loss(MicroBatch([a])), two = m.loss(MicroBatch([b]))
    #expect(both.count == one.count + two.count)
    #expect(abs(both.sum - one.sum - two.sum) <= 64 * Double.ulpOfOne * both.sum)
}

/// A tiny model in Double with adapters on every site (B ≠ 0 so that every gradient is non-zero), dense or with
/// every linear replaced by random rank-3 factors.
func adaptedTinyModel(_ arch: String, lowRank: Bool) throws -> TrainableModel<Double> {
    var m = try TrainableModel<Double>(CausalLM(huggingFaceFolder: tinyCheckpoint(arch)))
    var seed: UInt64 = 100
    if lowRank {
        for i in m.blocks.indices {
            for name in LinearName.allCases where m.blocks[i].linears[name] != nil {
                let l = m.blocks[i].linears[name]!
                seed += 2
                m.blocks[i].linears[name]!.weights = .lowRank(u: random(l.outFeatures, 3, seed: seed, scale: 0.3),
                                                              v: random(3, l.inFeatures, seed: seed + 1, scale: 0.3))
            }
        }
    }
    m.addAdapters(m.adapterSites, rank: 2, alpha: 4, seed: 7)
    for key in m.adapterKeys {
        seed += 1
        let b = m[adapter: key]!.b
        m[adapter: key]!.b = random(b.rows, b.cols, seed: seed, scale: 0.2)
    }
    return m
}

/// Every adapter's gradient of the whole model's loss (two sequences, some positions unscored, dropout on)
/// against central differences, in Double, for the LLaMA family and Gemma 3, dense and low-rank.
@Test(arguments: [("llama", false), ("llama", true), ("qwen2", true), ("mistral", false), ("gemma3", true)])
func wholeModelAdapterGradientsMatchFiniteDifferences(arch: String, lowRank: Bool) throws {
    var m = try adaptedTinyModel(arch, lowRank: lowRank)
    let ids = try tinyIDs(arch)
    var labels = ids
    for t in 2..<6 { labels[t] = -100 }
    let batch = MicroBatch([TrainingSequence(tokens: Array(ids[0..<14]), labels: Array(labels[0..<14])),
                            TrainingSequence(tokens: Array(ids[14...]))])
    let dropout = DropoutContext(seed: 5, step: 1, microBatch: 0, probability: 0.2)
    let scale = 1 / Double(batch.targetCount)
    m.accumulateGradients(batch, gradientScale: scale, dropout: dropout)
    func loss(_ model: TrainableModel<Double>) -> Double {
        var c = model
        return c.accumulateGradients(batch, gradientScale: scale, dropout: dropout).sum * scale
    }
    for key in m.adapterKeys {
        for useA in [true, false] {
            let a = m[adapter: key]!
            var p = useA ? a.a : a.b
            // Every 5th entry keeps the test to a fraction of a second.
            let r = checkGradient(&p, analytic: useA ? a.gradA : a.gradB, stride: 13) { x in
                var c = m
                if useA { c[adapter: key]!.a = x } else { c[adapter: key]!.b = x }
                return loss(c)
            }
            #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "\(arch) \(key) \(useA ? "A" : "B"): \(r.worst)")
        }
    }
}

/// The activation memory formula counts exactly what the forward keeps (LLaMA with adapters on u and v of
/// low-rank linears, and Gemma 3 with its extra norms).
@Test(arguments: ["llama", "gemma3"])
func activationFormulaCountsWhatTheForwardKeeps(arch: String) throws {
    let m = try adaptedTinyModel(arch, lowRank: true)
    let layout = SequenceLayout(lengths: [9, 5, 7])
    let h: Matrix<Double> = random(layout.rows, m.embedding.cols, seed: 3)
    for b in m.blocks {
        let (_, acts) = b.forward(h, layout: layout, dropout: nil, parallelism: .serial)
        #expect(acts.elementCount == b.activationElements(layout: layout))
    }
}

/// The backward's transient buffers (``TrainableModel/backwardTransientElements(layout:)``): the head's block of
/// at most 256 rows of logits, or a block's MLP or attention buffers when they are larger.
@Test func backwardTransientFormulaTakesTheLargestBuffers() throws {
    let m = try adaptedTinyModel("llama", lowRank: true)
    let vocab = m.embedding.rows, d = m.embedding.cols, b = m.blocks[0]
    let f = b.linears[.gate]!.outFeatures, q = b.attention.heads * b.attention.headDim
    let kv = b.attention.kvHeads * b.attention.headDim, r = 3
    func expected(_ n: Int) -> Int {
        let c = min(n, 256)
        return max(c * vocab + 2 * c * d + 2 * n * d, n * (4 * f + 4 * d + r), n * (2 * q + 2 * kv + 4 * d + r))
    }
    for lengths in [[9, 5, 7], [300], [200, 200]] {
        let layout = SequenceLayout(lengths: lengths)
        #expect(m.backwardTransientElements(layout: layout) == expected(layout.rows), "\(lengths)")
    }
    // Beyond 256 rows the head holds one block of 256 rows of logits, not N: with a vocabulary that makes the
    // head the largest buffer, 300 and 400 rows differ only by the N·hidden terms.
    let wide = TrainableModel<Double>(embedding: random(5000, d, seed: 9), embeddingScale: 1, blocks: m.blocks,
                                      finalNorm: m.finalNorm, eps: m.eps, output: nil, parallelism: .serial)
    let at300 = wide.backwardTransientElements(layout: SequenceLayout(lengths: [300]))
    let at400 = wide.backwardTransientElements(layout: SequenceLayout(lengths: [400]))
    #expect(at300 == 256 * 5000 + 2 * 256 * d + 2 * 300 * d)
    #expect(at400 - at300 == 2 * 100 * d)
}
