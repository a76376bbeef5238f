import GEMM
import LinearAlgebraCore

extension CausalLM {
    /// The most likely next token after `tokens` (placed after the cache's positions, extending it): argmax of
    /// the last row's logits, ties to the lowest id (as ``Sampler/argmax(_:)``), without holding the logits.
    ///
    /// The output layer is swept in chunks of `vocabularyChunk` rows, spread over the threads: each chunk's logits
    /// (z = W_out[chunk] h + b) stay in a small buffer and only the chunk's best (value, id) is kept; the soft-cap
    /// c·tanh(z/c) is monotonic and does not move the argmax. A low-rank output multiplies t = V h once first.
    public func greedyNextToken(tokens: [Int], cache: inout KVCache?, vocabularyChunk: Int = 2048) throws(RuntimeError) -> Int {
        let h = try hiddenStates(tokens: tokens, cache: &cache)
        let last = h.submatrix(rows: h.rows - 1..<h.rows, cols: 0..<h.cols)  // 1 × hidden
        let (u, v) = output.factors, bias = output.bias
        return profile.measure(.lmHead, flops: output.flops(rows: 1)) {
            var x = last.elements  // hidden values, or r after V
            if let v {
                var t = [Float](repeating: 0, count: v.rows)
                x.withUnsafeBufferPointer { xp in
                    t.withUnsafeMutableBufferPointer { v.gemv(xp.baseAddress!, into: $0.baseAddress!, variant: decodeProduct,
                                                              parallelism: parallelism, params: Linear.gemmParams) }
                }
                x = t
            }
            let vocab = u.rows, chunk = Swift.max(1, vocabularyChunk), chunks = (vocab + chunk - 1) / chunk
            var bestValue = [Float](repeating: -.infinity, count: chunks), bestIndex = [Int](repeating: 0, count: chunks)
            x.withUnsafeBufferPointer { xp in
                bestValue.withUnsafeMutableBufferPointer { bv in
                    bestIndex.withUnsafeMutableBufferPointer { bi in
                        let values = bv.baseAddress!, indices = bi.baseAddress!
                        parallelism.forEachTask(chunks) { c, _ in
                            let rows = c * chunk..<Swift.min(vocab, (c + 1) * chunk)
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows.count) { z in
                                u.gemv(xp.baseAddress!, rows: rows, into: z.baseAddress!, variant: decodeProduct)
                                var best = 0
                                for j in 0..<rows.count {
                                    if let bias { z[j] += bias[rows.lowerBound + j] }
                                    if z[j] > z[best] { best = j }
                                }
                                values[c] = z[best]
                                indices[c] = rows.lowerBound + best
                            }
                        }
                    }
                }
            }
            var best = 0
            for c in 1..<chunks where bestValue[c] > bestValue[best] { best = c }
            return bestIndex[best]
        }
    }
}
