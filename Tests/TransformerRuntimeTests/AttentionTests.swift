import LinearAlgebraCore
import Testing
@testable import TransformerRuntime

/// The blocked GEMM attention against the per-element reference over GQA, cache offsets, windows, soft caps
/// and block sizes that split the queries unevenly (block 1: the per-head GEMVs of decoding).
@Test(arguments: [
    (p0: 9, window: Int?.none, softcap: Float?.none, block: 1),
    (p0: 0, window: Int?.none, softcap: Float?.none, block: 128),
    (p0: 0, window: Int?.none, softcap: Float?.none, block: 8),
    (p0: 5, window: Int?.none, softcap: Float?.none, block: 7),
    (p0: 0, window: Int?.some(6), softcap: Float?.none, block: 8),
    (p0: 9, window: Int?.some(4), softcap: Float?.some(2), block: 16),
])
func attentionGEMMMatchesNaive(p0: Int, window: Int?, softcap: Float?, block: Int) {
    let heads = 4, kvHeads = 2, d = 8, t = 29
    let q = randomMatrix(t, heads * d, seed: 1)
    let k = randomMatrix(p0 + t, kvHeads * d, seed: 2), v = randomMatrix(p0 + t, kvHeads * d, seed: 3)
    let scale = 1 / Float(d).squareRoot()
    let ref = Attention.forward(q: q, keys: k, values: v, heads: heads, kvHeads: kvHeads, headDim: d,
                                firstPosition: p0, window: window, scale: scale, softcap: softcap, variant: .naive)
    for par in [Parallelism.serial, .threads(2)] {
        let fast = Attention.forward(q: q, keys: k, values: v, heads: heads, kvHeads: kvHeads, headDim: d,
                                     firstPosition: p0, window: window, scale: scale, softcap: softcap,
                                     variant: .gemm, parallelism: par, params: .init(queryBlock: block))
        #expect(maxAbsDiff(ref, fast) < 64 * Float.ulpOfOne)
    }
}

/// The first query sees only key 0, so its output is v₀ of its key/value head; with window 1 every query
/// returns its own position's value.
@Test func attentionMaskEdges() {
    let heads = 2, kvHeads = 1, d = 4, t = 5
    let q = randomMatrix(t, heads * d, seed: 4), k = randomMatrix(t, d, seed: 5), v = randomMatrix(t, d, seed: 6)
    let full = Attention.forward(q: q, keys: k, values: v, heads: heads, kvHeads: kvHeads, headDim: d,
                                 firstPosition: 0, window: nil, scale: 1, softcap: nil)
    for h in 0..<heads { for x in 0..<d { #expect(abs(full[0, h * d + x] - v[0, x]) < 1e-6) } }
    let own = Attention.forward(q: q, keys: k, values: v, heads: heads, kvHeads: kvHeads, headDim: d,
                                firstPosition: 0, window: 1, scale: 1, softcap: nil)
    for i in 0..<t { for h in 0..<heads { for x in 0..<d { #expect(abs(own[i, h * d + x] - v[i, x]) < 1e-6) } } }
}

/// One query row (decoding, split over key chunks and merged) against the per-element reference: GQA groups of
/// 1–6 heads, head widths on and off the 16-lane SIMD width, caches shorter and longer than a chunk, windows,
/// soft caps, 1–3 threads.
@Test(arguments: [
    (heads: 9, kvHeads: 3, d: 64, p0: 700, window: Int?.none, softcap: Float?.none),
    (heads: 4, kvHeads: 2, d: 24, p0: 5, window: Int?.none, softcap: Float?.none),
    (heads: 12, kvHeads: 2, d: 128, p0: 300, window: Int?.some(257), softcap: Float?.none),
    (heads: 4, kvHeads: 1, d: 40, p0: 1000, window: Int?.none, softcap: Float?.some(3)),
    (heads: 2, kvHeads: 2, d: 16, p0: 0, window: Int?.none, softcap: Float?.none),
])
func decodeAttentionMatchesNaive(heads: Int, kvHeads: Int, d: Int, p0: Int, window: Int?, softcap: Float?) {
    let q = randomMatrix(1, heads * d, seed: 11)
    let k = randomMatrix(p0 + 3, kvHeads * d, seed: 12), v = randomMatrix(p0 + 3, kvHeads * d, seed: 13)
    let scale = 1 / Float(d).squareRoot()
    let ref = Attention.forward(q: q, keys: k, values: v, heads: heads, kvHeads: kvHeads, headDim: d,
                                firstPosition: p0, window: window, scale: scale, softcap: softcap, variant: .naive)
    for par in [Parallelism.serial, .threads(2), .threads(3)] {
        let fast = Attention.forward(q: q, keys: k, values: v, heads: heads, kvHeads: kvHeads, headDim: d,
                                     firstPosition: p0, window: window, scale: scale, softcap: softcap,
                                     variant: .gemm, parallelism: par)
        // Values are sums of ≤ p0 + 1 weighted rows (|v| ≤ 1): a few ε per key.
        #expect(maxAbsDiff(ref, fast) < Float(4 * (p0 + 1 + d)) * Float.ulpOfOne, "\(heads)/\(kvHeads) d \(d) p0 \(p0) \(par)")
    }
}
