import Foundation
import LinearAlgebraCore
import Testing
import Formats
@testable import TransformerRuntime

@Test func rmsNormFormula() {
    let x = randomMatrix(3, 8, seed: 7)
    let gamma = (0..<4).map { Float($0) * 0.5 + 0.25 }
    let y = RMSNorm(gamma: gamma, eps: 1e-5).forward(x)  // per group of 4 (the q/k-norm form)
    for i in 0..<3 {
        for g in 0..<2 {
            let xs = (0..<4).map { Double(x[i, g * 4 + $0]) }
            let r = 1 / (xs.map { $0 * $0 }.reduce(0, +) / 4 + 1e-5).squareRoot()
            for j in 0..<4 { #expect(abs(Double(y[i, g * 4 + j]) - xs[j] * r * Double(gamma[j])) < 1e-5) }
        }
    }
}

/// Rotate-half RoPE against the formula in Double; position 0 is the identity, norms are preserved.
@Test func rotaryEmbeddingFormula() throws {
    let d = 8, heads = 2, p0 = 3
    let rope = try RotaryEmbedding(headDim: d, theta: 10_000)
    let x = randomMatrix(4, heads * d, seed: 8)
    var y = x
    rope.apply(to: &y, firstPosition: p0)
    for t in 0..<4 {
        for h in 0..<heads {
            for i in 0..<d / 2 {
                let w = 1 / pow(10_000.0, Double(2 * i) / Double(d)), a = Double(p0 + t) * w
                let u = Double(x[t, h * d + i]), v = Double(x[t, h * d + i + d / 2])
                #expect(abs(Double(y[t, h * d + i]) - (u * cos(a) - v * sin(a))) < 1e-5)
                #expect(abs(Double(y[t, h * d + i + d / 2]) - (v * cos(a) + u * sin(a))) < 1e-5)
            }
        }
    }
    var z = x.submatrix(rows: 0..<1, cols: 0..<x.cols)
    rope.apply(to: &z, firstPosition: 0)
    #expect(z == x.submatrix(rows: 0..<1, cols: 0..<x.cols))
}

/// LLaMA 3 scaling keeps high frequencies, divides low ones by the factor, and blends between.
@Test func rotaryLlama3Scaling() throws {
    let s = RopeScaling(type: "llama3", factor: 8, originalContextLength: 8192, lowFreqFactor: 1, highFreqFactor: 4)
    let plain = try RotaryEmbedding(headDim: 128, theta: 500_000)
    let scaled = try RotaryEmbedding(headDim: 128, theta: 500_000, scaling: s)
    #expect(scaled.inverseFrequencies[0] == plain.inverseFrequencies[0])
    #expect(abs(scaled.inverseFrequencies[63] - plain.inverseFrequencies[63] / 8) < 1e-12)
    let a = scaled.inverseFrequencies, b = plain.inverseFrequencies
    let mid = (0..<64).filter { (i: Int) -> Bool in a[i] != b[i] && abs(a[i] - b[i] / 8) > 1e-12 }
    #expect(!mid.isEmpty)
    #expect(throws: RuntimeError.self) {
        try RotaryEmbedding(headDim: 8, theta: 1e4, scaling: RopeScaling(type: "yarn-ish", factor: 2))
    }
}

@Test func lowRankLinearMatchesDenseProduct() {
    let u = randomMatrix(12, 3, seed: 9), v = randomMatrix(3, 10, seed: 10)
    let bias = (0..<12).map { Float($0) / 10 }
    let low = Linear.lowRank(u: u, v: v, bias: bias), dense = Linear.dense(weight: low.denseWeight, bias: bias)
    let x = randomMatrix(5, 10, seed: 11)
    #expect(maxAbsDiff(low.forward(x), dense.forward(x)) < 1e-5)
    #expect(low.parameterCount == 12 * 3 + 3 * 10 + 12 && low.rank == 3 && dense.rank == nil)
    #expect(low.inFeatures == 10 && low.outFeatures == 12)
    // Y = X Wᵀ + b by hand.
    let y = dense.forward(x), w = dense.denseWeight
    for i in 0..<5 {
        for j in 0..<12 {
            let ref = (0..<10).reduce(Float(bias[j])) { $0 + x[i, $1] * w[j, $1] }
            #expect(abs(y[i, j] - ref) < 1e-4)
        }
    }
}

@Test func activations() {
    #expect(abs(Activation.silu(1) - Float(1 / (1 + exp(-1.0)))) < 1e-6)
    let g = Activation.geluTanh(0.5)
    #expect(abs(Double(g) - 0.5 * 0.5 * (1 + tanh(0.7978845608028654 * (0.5 + 0.044715 * 0.125)))) < 1e-6)
    #expect(Activation.relu(-2) == 0 && Activation.relu(3) == 3)
    #expect(throws: RuntimeError.self) { try Activation(huggingFaceName: "mish") }
}

@Test func samplerGreedyAndSeeded() {
    let logits: [Float] = [0.1, 2.5, 2.5, -1, 0.3]
    var greedy = Sampler.greedy
    #expect(greedy.sample(logits) == 1)  // first maximum
    var a = Sampler(temperature: 1, seed: 42), b = Sampler(temperature: 1, seed: 42)
    let sa = (0..<50).map { _ in a.sample(logits) }, sb = (0..<50).map { _ in b.sample(logits) }
    #expect(sa == sb)
    #expect(Set(sa).count > 2)  // temperature 1 reaches more than the two top tokens
    var k2 = Sampler(temperature: 1, topK: 2, seed: 3)
    #expect((0..<100).allSatisfy { _ in [1, 2].contains(k2.sample(logits)) })
    var p = Sampler(temperature: 1, topP: 0.01, seed: 3)
    #expect((0..<20).allSatisfy { _ in p.sample(logits) == 1 })
    // Frequencies follow softmax: two logits differing by log 3 → 3:1.
    var s = Sampler(temperature: 1, seed: 7)
    let two: [Float] = [Float(log(3.0)), 0]
    let zeros = (0..<4000).filter { _ in s.sample(two) == 0 }.count
    #expect(abs(Double(zeros) / 4000 - 0.75) < 0.03)
}
