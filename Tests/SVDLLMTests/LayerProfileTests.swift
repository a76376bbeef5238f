import Foundation
import Testing
@testable import SVDLLM
import LinearAlgebraCore
import TransformerRuntime

/// `profileLayer` runs windows in lanes (one per worker) and merges the lanes' profiles: the same statistics as one
/// lane up to the rounding of the sums, the same outputs bit for bit.
@Suite struct LayerProfileTests {
    @Test(arguments: ["llama", "opt"], [2, 3])
    func lanesEqualOneLane(arch: String, threads: Int) throws {
        let model = try CausalLM(huggingFaceFolder: CompressorTests.tiny(arch))
        let windows = CompressorTests.windows(vocab: model.vocabularySize, count: 7, length: 24, seed: 11)
        let inputs = try windows.map { try model.embed($0) }
        let one = profileLayer(model, layer: 1, inputs: inputs, keepOutputs: true, parallelism: .serial)
        let lanes = profileLayer(model, layer: 1, inputs: inputs, keepOutputs: true, parallelism: .threads(threads))
        #expect(lanes.outputs == one.outputs)
        #expect(lanes.outputs == inputs.map { model.forwardLayer(1, $0) })
        #expect(lanes.profile.groups == one.profile.groups)
        for (a, b) in zip(lanes.profile.statistics, one.profile.statistics) {
            #expect(a.tokens == b.tokens && a.tokens == 7 * 24)
            // Each entry is a sum of 168 products accumulated in another order: |Δ| ≤ 2·168·ε·Σ|xᵢxⱼ|, and
            // Σ|xᵢxⱼ| ≤ √(Gᵢᵢ Gⱼⱼ) by Cauchy–Schwarz.
            let g = a.gram, h = b.gram, n = a.dimension
            for i in 0..<n {
                for j in 0..<n {
                    let bound = 2 * 168 * Double.ulpOfOne * (h[i, i] * h[j, j]).squareRoot()
                    #expect(abs(g[i, j] - h[i, j]) <= bound)
                }
            }
            for (s, t) in zip(a.absoluteSums, b.absoluteSums) {
                #expect(abs(s - t) <= 2 * 168 * Double.ulpOfOne * t)
            }
        }
        #expect(forwardLayerWindows(model, layer: 1, inputs: inputs, parallelism: .threads(threads)) == one.outputs)
    }

    @Test func mergeAddsGroupsByName() {
        var a = GramAccumulator(dimension: 3), b = GramAccumulator(dimension: 3), c = GramAccumulator(dimension: 2)
        let x = Matrix<Float>(rows: 4, cols: 3) { i, j in Float(i + 1) * Float(j - 1) }
        let y = Matrix<Float>(rows: 2, cols: 2) { i, j in Float(i - j) }
        a.add(x)
        b.add(x)
        c.add(y)
        var p = LayerProfile(layer: 0, groups: [[.q, .k, .v]], statistics: [a])
        p.merge(LayerProfile(layer: 0, groups: [[.down], [.q, .k, .v]], statistics: [c, b]))
        #expect(p.groups == [[.q, .k, .v], [.down]])
        #expect(p.statistics[0].tokens == 8)
        #expect(p.statistics[0].gram == Matrix(rows: 3, cols: 3) { i, j in 2 * a.gram[i, j] })
        #expect(p.statistics[1].gram == c.gram)
    }
}
