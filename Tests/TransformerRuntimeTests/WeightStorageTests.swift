import Foundation
import GEMM
@testable import TransformerRuntime
import LinearAlgebraCore
import Testing

/// A model in a 16-bit or 8-bit storage computes what its f32 model computes with the same rounded weights: the
/// logits equal those of the f32 model whose weights were rounded the same way (dequantized), to summation-order
/// error; prefill and cached decode agree; memory is the stored bytes.
@Test(arguments: [WeightStorage.f16, .bf16, .q8])
func storedModelMatchesItsDequantizedF32Model(storage: WeightStorage) throws {
    for tied in [true, false] {
        var ckpt = TinyCheckpoint()
        ckpt.tied = tied
        ckpt.attentionBias = true
        let folder = try ckpt.write()
        let packed = try CausalLM(huggingFaceFolder: folder, storage: storage)
        #expect(packed.storageDescription == storage.rawValue)
        // The same rounded weights, widened to f32.
        let reference = packed.converted(to: .f32)
        #expect(reference.storageDescription == "f32")
        #expect(packed.weightBytes < reference.weightBytes)
        let tokens = [3, 17, 5, 40, 2, 9]
        var none: KVCache? = nil
        let a = try packed.forward(tokens: tokens, cache: &none)
        let b = try reference.forward(tokens: tokens, cache: &none)
        #expect(maxAbsDiff(a, b) <= 2e-5 * Float(b.maxAbs), "\(storage) tied \(tied): \(maxAbsDiff(a, b))")
        // Decode one token at a time through the cache (the GEMV path) against the full forward: with the f32 input
        // to summation-order error; with the q8 product's int8-rounded input (≤ 2⁻⁸ relative per product,
        // compounded over the layers) loosely.
        for variant in [WeightMatrix.GEMVVariant.simd, .int8Input] {
            var decoder = packed
            decoder.decodeProduct = variant
            let tolerance: Float = variant == .int8Input && storage == .q8 ? 0x1p-4 : 1e-4
            var cache: KVCache? = decoder.makeCache(capacity: tokens.count)
            for (t, id) in tokens.enumerated() {
                let row = try decoder.lastLogits(tokens: [id], cache: &cache)
                for j in 0..<row.count {
                    #expect(abs(row[j] - a[t, j]) <= tolerance * Float(b.maxAbs), "\(storage) \(variant) token \(t)")
                }
            }
        }
    }
}

/// Converting a low-rank layer keeps it low-rank in the new storage, and the product is the dequantized one's.
@Test func lowRankLinearConverts() {
    let u = randomMatrix(40, 6, seed: 1), v = randomMatrix(6, 64, seed: 2)
    let f32 = Linear.lowRank(u: u, v: v, bias: (0..<40).map { Float($0) / 10 })
    for storage in [WeightStorage.f16, .bf16, .q8] {
        let packed = f32.converted(to: storage)
        #expect(packed.rank == 6 && packed.storage == storage)
        let back = packed.converted(to: .f32)
        let x = randomMatrix(3, 64, seed: 3)
        let y1 = packed.forward(x, parallelism: .threads(2)), y2 = back.forward(x)
        #expect(maxAbsDiff(y1, y2) <= 1e-4, "\(storage)")
        let one = packed.forward(x.submatrix(rows: 0..<1, cols: 0..<64))
        #expect(maxAbsDiff(one, y2.submatrix(rows: 0..<1, cols: 0..<40)) <= 1e-4, "\(storage) one row")
    }
}

/// One token through a group of linears on one input (dense, low-rank, packed, with and without bias) in the
/// fused regions equals each linear's own product.
@Test func oneTokenGroupMatchesSeparateProducts() {
    let x = randomMatrix(1, 64, seed: 9)
    let dense = Linear.dense(weight: randomMatrix(37, 64, seed: 1), bias: (0..<37).map { Float($0) })
    let lowRank = Linear.lowRank(u: randomMatrix(50, 5, seed: 2), v: randomMatrix(5, 64, seed: 3), bias: nil)
    let packed = Linear.dense(weight: randomMatrix(300, 64, seed: 4), bias: nil).converted(to: .q8)
    let packedLowRank = lowRank.converted(to: .bf16)
    // 700 × 64 f32 (179 KB): cut into several row chunks on 2 and 3 threads.
    let large = Linear.dense(weight: randomMatrix(700, 64, seed: 5), bias: nil)
    let group = [dense, lowRank, packed, packedLowRank, large]
    // The int8-rounded input of the q8 product errs by at most (max|x| / 254)·Σ_p |w_jp| per output.
    let xMax = x.elements.map(abs).max()!
    for threads in [1, 2, 3] {
        for variant in [WeightMatrix.GEMVVariant.simd, .int8Input, .reference] {
            let fused = Linear.forwardOneToken(group, x.elements, parallelism: .threads(threads), variant: variant,
                                               params: GEMMParams(parallelGEMVFlopThreshold: 0))
            for (linear, y) in zip(group, fused) {
                var tolerance: Float = 1e-4
                if variant == .int8Input, linear.storage == .q8 {
                    let w = linear.denseWeight
                    tolerance += (0..<w.rows).map { j in (0..<w.cols).reduce(Float(0)) { $0 + abs(w[j, $1]) } }.max()! * xMax / 254
                }
                #expect(maxAbsDiff(y, linear.forward(x)) <= tolerance, "\(threads) threads, \(variant)")
            }
        }
    }
}

/// A decode stage's row chunks cover every row of every matrix once, in order, in runs of a multiple of 16 rows
/// (but for a matrix's last), several for a large matrix on 2 or 3 workers.
@Test func oneTokenChunksCoverEveryRowOnce() {
    let matrices = [WeightMatrix.f32(randomMatrix(1000, 64, seed: 1)), .f32(randomMatrix(37, 64, seed: 2)),
                    WeightMatrix(randomMatrix(250, 64, seed: 3), storage: .q8)]
    for workers in [2, 3] {
        let chunks = OneTokenChunks(matrices, workers: workers)
        for i in matrices.indices {
            var next = 0
            for c in 0..<chunks.count(of: i) {
                let rows = chunks.rows(of: i, chunk: c)
                #expect(rows.lowerBound == next && !rows.isEmpty)
                #expect(rows.count % 16 == 0 || rows.upperBound == matrices[i].rows)
                next = rows.upperBound
            }
            #expect(next == matrices[i].rows, "matrix \(i), \(workers) workers")
        }
        #expect(chunks.count(of: 0) > 2)
    }
}
