import Foundation
import LinearAlgebraCore
import Testing
import TransformerRuntime
@testable import Training

/// Every op's backward against central finite differences of its forward, in Double, on seeded random inputs:
/// the scalar is Σ w ⊙ op(x) for a random w, so the backward is driven by dy = w.

@Test func rmsNormBackwardMatchesFiniteDifferences() {
    // Rows of 2 groups of 6: the per-head form (Gemma 3's q/k norms) covers the whole-row form.
    var x: Matrix<Double> = random(5, 12, seed: 1)
    var gamma = (0..<6).map { 1 + 0.1 * Double($0) }
    let w: Matrix<Double> = random(5, 12, seed: 2)
    let eps = 1e-5
    let (_, rstd) = RMSNormOp.forward(x, gamma: gamma, eps: eps, parallelism: .serial)
    var dGamma = [Double](repeating: 0, count: 6)
    let dx = dGamma.withUnsafeMutableBufferPointer {
        RMSNormOp.backward(w, x: x, rstd: rstd, gamma: gamma, dGamma: $0.baseAddress!, parallelism: .serial)
    }
    let r = checkGradient(&x, analytic: dx) { dot(w, RMSNormOp.forward($0, gamma: gamma, eps: eps, parallelism: .serial).y) }
    #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "dx: \(r.worst)")
    for j in 0..<6 {
        let fd = centralDifference(at: gamma[j]) { v in
            var g = gamma
            g[j] = v
            return dot(w, RMSNormOp.forward(x, gamma: g, eps: eps, parallelism: .serial).y)
        }
        #expect(abs(fd - dGamma[j]) <= finiteDifferenceTolerance(scale: abs(dGamma[j])), "dγ[\(j)]")
    }
    gamma[0] += 0  // keeps `gamma` a var for the closure above
}

@Test func rotaryBackwardMatchesFiniteDifferences() throws {
    let rope = try RotaryEmbedding(headDim: 8, theta: 10_000)
    let layout = SequenceLayout(lengths: [3, 5])
    var x: Matrix<Double> = random(8, 16, seed: 3)
    let w: Matrix<Double> = random(8, 16, seed: 4)
    var dx = w
    RotaryOp.backward(&dx, headDim: 8, inverseFrequencies: rope.inverseFrequencies, layout: layout, parallelism: .serial)
    let r = checkGradient(&x, analytic: dx) {
        var y = $0
        RotaryOp.forward(&y, headDim: 8, inverseFrequencies: rope.inverseFrequencies, layout: layout, parallelism: .serial)
        return dot(w, y)
    }
    #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "\(r.worst)")
}

@Test(arguments: [nil, 3] as [Int?])
func attentionBackwardMatchesFiniteDifferences(window: Int?) {
    // 4 heads sharing 2 key/value heads; two sequences; query blocks of 3 rows so blocks split the sequences.
    var shape = CausalAttentionOp.Shape(heads: 4, kvHeads: 2, headDim: 4, window: window, scale: 0.5)
    shape.queryBlock = 3
    let layout = SequenceLayout(lengths: [7, 4])
    var q: Matrix<Double> = random(11, 16, seed: 5), k: Matrix<Double> = random(11, 8, seed: 6)
    var v: Matrix<Double> = random(11, 8, seed: 7)
    let w: Matrix<Double> = random(11, 16, seed: 8)
    func f(_ q: Matrix<Double>, _ k: Matrix<Double>, _ v: Matrix<Double>) -> Double {
        dot(w, CausalAttentionOp.forward(q: q, k: k, v: v, shape: shape, layout: layout, parallelism: .serial).out)
    }
    let (_, p) = CausalAttentionOp.forward(q: q, k: k, v: v, shape: shape, layout: layout, parallelism: .serial)
    let (dq, dk, dv) = CausalAttentionOp.backward(w, q: q, k: k, v: v, probabilities: p, shape: shape, layout: layout,
                                                  parallelism: .threads(2))
    let (kk, vv) = (k, v)
    let rq = checkGradient(&q, analytic: dq) { f($0, kk, vv) }
    let qq = q
    let rk = checkGradient(&k, analytic: dk) { f(qq, $0, vv) }
    let rv = checkGradient(&v, analytic: dv) { f(qq, kk, $0) }
    for (name, r) in [("dq", rq), ("dk", rk), ("dv", rv)] {
        #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "\(name): \(r.worst)")
    }
}

/// The blocked GEMM forward equals a per-element reference (one query row at a time, loops).
@Test func attentionForwardMatchesReference() {
    var shape = CausalAttentionOp.Shape(heads: 4, kvHeads: 2, headDim: 4, window: 5, scale: 0.5)
    shape.queryBlock = 4
    let layout = SequenceLayout(lengths: [9, 6])
    let q: Matrix<Double> = random(15, 16, seed: 9), k: Matrix<Double> = random(15, 8, seed: 10)
    let v: Matrix<Double> = random(15, 8, seed: 11)
    let out = CausalAttentionOp.forward(q: q, k: k, v: v, shape: shape, layout: layout, parallelism: .threads(2)).out
    var worst = 0.0
    for s in 0..<layout.count {
        let r = layout.range(s)
        for h in 0..<4 {
            let g = h / 2
            for i in 0..<r.count {
                let keys = max(0, i - 5 + 1)...i
                let scores = keys.map { j in (0..<4).reduce(0.0) { $0 + q[r.lowerBound + i, h * 4 + $1] * k[r.lowerBound + j, g * 4 + $1] } * 0.5 }
                let m = scores.max()!, e = scores.map { exp($0 - m) }, z = e.reduce(0, +)
                for c in 0..<4 {
                    let ref = zip(keys, e).reduce(0.0) { $0 + $1.1 / z * v[r.lowerBound + $1.0, g * 4 + c] }
                    worst = max(worst, abs(ref - out[r.lowerBound + i, h * 4 + c]))
                }
            }
        }
    }
    #expect(worst <= 64 * Double.ulpOfOne, "\(worst)")
}

@Test(arguments: Activation.allCases)
func gatedActivationBackwardMatchesFiniteDifferences(activation: Activation) {
    var a: Matrix<Double> = random(4, 6, seed: 12), b: Matrix<Double> = random(4, 6, seed: 13)
    let w: Matrix<Double> = random(4, 6, seed: 14)
    let (da, db) = GatedActivationOp.backward(w, gate: a, up: b, activation: activation, parallelism: .serial)
    let bb = b
    let ra = checkGradient(&a, analytic: da) { dot(w, GatedActivationOp.forward(gate: $0, up: bb, activation: activation, parallelism: .serial)) }
    let aa = a
    let rb = checkGradient(&b, analytic: db) { dot(w, GatedActivationOp.forward(gate: aa, up: $0, activation: activation, parallelism: .serial)) }
    #expect(ra.worst <= finiteDifferenceTolerance(scale: ra.scale), "da \(ra.worst)")
    #expect(rb.worst <= finiteDifferenceTolerance(scale: rb.scale), "db \(rb.worst)")
}

@Test func embeddingBackwardMatchesFiniteDifferences() {
    var table: Matrix<Double> = random(7, 5, seed: 15)
    let tokens = [3, 1, 3, 6, 0]
    let w: Matrix<Double> = random(5, 5, seed: 16)
    var dTable = Matrix<Double>(rows: 7, cols: 5)
    EmbeddingOp.backward(w, tokens: tokens, scale: 1.5, into: &dTable)
    let r = checkGradient(&table, analytic: dTable) { dot(w, EmbeddingOp.forward(tokens: tokens, table: $0, scale: 1.5)) }
    #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "\(r.worst)")
}

@Test func crossEntropyBackwardMatchesFiniteDifferences() {
    var hidden: Matrix<Double> = random(6, 5, seed: 17)
    let output: Matrix<Double> = random(11, 5, seed: 18)
    let targets = [4, -1, 10, 0, -1, 7]
    // Row blocks of 2 so the sweep crosses blocks; the loss scaled by 1/4 as the training step scales it.
    let (_, count, dh) = CrossEntropyOp.forward(hidden: hidden, output: output, targets: targets, gradientScale: 0.25,
                                                rowBlock: 2, parallelism: .serial)
    #expect(count == 4)
    let r = checkGradient(&hidden, analytic: dh!) {
        0.25 * CrossEntropyOp.forward(hidden: $0, output: output, targets: targets, gradientScale: nil, rowBlock: 2,
                                      parallelism: .serial).loss
    }
    #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "\(r.worst)")
    // The loss itself: Σ log Σ exp − z_y, by a direct sum.
    let direct = targets.indices.filter { targets[$0] >= 0 }.reduce(0.0) { acc, t in
        let z = (0..<11).map { j in (0..<5).reduce(0.0) { $0 + hidden[t, $1] * output[j, $1] } }
        return acc + log(z.map(exp).reduce(0, +)) - z[targets[t]]
    }
    let loss = CrossEntropyOp.forward(hidden: hidden, output: output, targets: targets, gradientScale: nil,
                                      parallelism: .serial).loss
    #expect(abs(loss - direct) <= 64 * Double.ulpOfOne * abs(direct))
}

/// An adapter with B ≠ 0 (so that dA is not zero) on a dense layer with a bias, and on both factors of a
/// low-rank layer; with and without dropout (a fixed mask keeps the function deterministic).
@Test(arguments: [0.0, 0.3])
func linearAndAdapterBackwardMatchFiniteDifferences(dropoutProbability: Double) {
    let dropout = DropoutContext(seed: 9, step: 2, microBatch: 1, probability: dropoutProbability)
    func adapter(in i: Int, out o: Int, seed: UInt64) -> LoRAAdapter<Double> {
        LoRAAdapter(a: random(2, i, seed: seed), b: random(o, 2, seed: seed + 1), scaling: 1.5)
    }
    var dense = TrainableLinear<Double>(weights: .dense(random(6, 5, seed: 20)), bias: (0..<6).map { Double($0) }, id: 3)
    dense.adapters[.weight] = adapter(in: 5, out: 6, seed: 21)
    var lowRank = TrainableLinear<Double>(weights: .lowRank(u: random(6, 3, seed: 23), v: random(3, 5, seed: 24)),
                                          bias: nil, id: 4)
    lowRank.adapters[.u] = adapter(in: 3, out: 6, seed: 25)
    lowRank.adapters[.v] = adapter(in: 5, out: 3, seed: 27)
    for var layer in [dense, lowRank] {
        var x: Matrix<Double> = random(4, 5, seed: 29)
        let w: Matrix<Double> = random(4, 6, seed: 30)
        let (_, saved) = layer.forward(x, dropout: dropout, parallelism: .serial)
        var dx = Matrix<Double>(rows: 4, cols: 5)
        layer.backward(w, x: x, saved: saved, dropout: dropout, into: &dx, beta: 0, parallelism: .serial)
        let frozen = layer
        let r = checkGradient(&x, analytic: dx) { dot(w, frozen.forward($0, dropout: dropout, parallelism: .serial).y) }
        #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "dx \(r.worst)")
        let xx = x
        for site in layer.adapters.keys {
            for useA in [true, false] {
                let a = layer.adapters[site]!
                var p = useA ? a.a : a.b
                let r = checkGradient(&p, analytic: useA ? a.gradA : a.gradB) { m in
                    var l = frozen
                    if useA { l.adapters[site]!.a = m } else { l.adapters[site]!.b = m }
                    return dot(w, l.forward(xx, dropout: dropout, parallelism: .serial).y)
                }
                #expect(r.worst <= finiteDifferenceTolerance(scale: r.scale), "\(site) \(useA ? "dA" : "dB") \(r.worst)")
            }
        }
    }
}

/// Merging folds ΔW = s·B A into the matrix: the merged layer's output equals the adapted one's (no dropout).
@Test func mergedAdaptersGiveTheSameOutput() {
    var layer = TrainableLinear<Double>(weights: .lowRank(u: random(6, 3, seed: 31), v: random(3, 5, seed: 32)),
                                        bias: nil, id: 0)
    layer.adapters[.u] = LoRAAdapter(a: random(2, 3, seed: 33), b: random(6, 2, seed: 34), scaling: 2)
    layer.adapters[.v] = LoRAAdapter(a: random(2, 5, seed: 35), b: random(3, 2, seed: 36), scaling: 2)
    let x: Matrix<Double> = random(4, 5, seed: 37)
    let before = layer.forward(x, dropout: nil, parallelism: .serial).y
    // Merging U and V separately differs from the adapted product by the cross term s²·B_u A_u B_v A_v, which
    // the adapted forward contains too: (V + ΔV) then (U + ΔU) is exactly what it computes.
    layer.mergeAdapters()
    #expect(layer.adapters.isEmpty)
    let after = layer.forward(x, dropout: nil, parallelism: .serial).y
    let worst = zip(before.elements, after.elements).map { abs($0 - $1) }.max()!
    #expect(worst <= 64 * Double.ulpOfOne * before.maxAbs, "\(worst)")
}

/// Dropout keeps about 1 − p of the elements, scales them by 1/(1 − p), and depends on every part of its stream.
@Test func dropoutMaskIsDeterministicAndHasTheRightRate() {
    let m = DropoutMask(seed: 42, step: 3, microBatch: 1, adapter: 7, probability: 0.25)
    let kept = (0..<100_000).filter { m.keeps($0) }.count
    #expect(abs(Double(kept) / 100_000 - 0.75) < 0.01)
    #expect((0..<64).map { m.keeps($0) } == (0..<64).map { DropoutMask(seed: 42, step: 3, microBatch: 1, adapter: 7, probability: 0.25).keeps($0) })
    let other = DropoutMask(seed: 42, step: 3, microBatch: 1, adapter: 8, probability: 0.25)
    #expect((0..<64).map { m.keeps($0) } != (0..<64).map { other.keeps($0) })
    let x = Matrix<Double>(rows: 2, cols: 3, repeating: 1)
    let y = m.apply(to: x, parallelism: .serial)
    #expect(y.elements.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-15 })
}

/// The SIMD gate kernels (Float) against the scalar reference: forward and backward within 16 ε of the values'
/// scale, on 1003 values in [−6, 6] (a tail that is not a whole vector).
@Test(arguments: Activation.allCases)
func gatedActivationKernelsMatchTheReference(activation: Activation) {
    let n = 1003
    let a: Matrix<Float> = random(1, n, seed: 40, scale: 3), b: Matrix<Float> = random(1, n, seed: 41)
    let d: Matrix<Float> = random(1, n, seed: 42)
    var fast = a.elements, ref = a.elements
    GatedActivationOp.forwardSIMD(&fast, b.elements, count: n, activation: activation)
    GatedActivationOp.forwardReference(&ref, b.elements, count: n, activation: activation)
    let scale = max(1, Double(ref.map(abs).max()!))
    #expect(zip(fast, ref).allSatisfy { abs(Double($0 - $1)) <= 16 * Double(Float.ulpOfOne) * scale })
    var dgFast = d.elements, duFast = [Float](repeating: 0, count: n)
    var dgRef = d.elements, duRef = [Float](repeating: 0, count: n)
    GatedActivationOp.backwardSIMD(&dgFast, &duFast, gate: a.elements, up: b.elements, count: n, activation: activation)
    GatedActivationOp.backwardReference(&dgRef, &duRef, gate: a.elements, up: b.elements, count: n, activation: activation)
    for (x, y) in [(dgFast, dgRef), (duFast, duRef)] {
        let s = max(1, Double(y.map(abs).max()!))
        #expect(zip(x, y).allSatisfy { abs(Double($0 - $1)) <= 16 * Double(Float.ulpOfOne) * s })
    }
}
