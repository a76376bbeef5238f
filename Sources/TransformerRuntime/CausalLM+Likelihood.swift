import Foundation
import GEMM
import LinearAlgebraCore

extension CausalLM {
    /// Σₜ −log softmax(zₜ)[yₜ] over rows t of `rows` of the final hidden states, with zₜ = hₜ W_outᵀ (+ b,
    /// soft-capped if configured) and yₜ = `targets[t − rows.lowerBound]`, without holding all of the logits.
    ///
    /// The vocabulary is swept in blocks of `vocabularyBlock` columns: one GEMM gives the block's logits for
    /// every row (rows × block, cache-resident), then each row updates its running max mₜ and sum sₜ of
    /// exp(z − mₜ) (rescaled by exp(m_old − m_new) when the max grows: the online log-sum-exp) and picks up
    /// zₜ[yₜ] when the block holds it. Finally −log p = mₜ + log sₜ − zₜ[yₜ]. Sums are kept in Double.
    /// A low-rank output layer multiplies H Vᵀ once and sweeps U's rows.
    public func negativeLogLikelihood(hidden: Matrix<Float>, rows: Range<Int>, targets: [Int],
                                      vocabularyBlock: Int = 2048) -> Double {
        precondition(targets.count == rows.count && rows.upperBound <= hidden.rows && hidden.cols == hiddenSize)
        let n = rows.count, vocab = output.outFeatures
        guard n > 0 else { return 0 }
        let x = hidden.submatrix(rows: rows, cols: 0..<hidden.cols)  // n × hidden
        let (input, weight): (Matrix<Float>, WeightMatrix)  // n × k and vocab × k
        switch output.factors {
        case let (w, nil):
            (input, weight) = (x, w)
        case let (u, v?):
            (input, weight) = (profile.measure(.lmHead, flops: 2 * Double(n * v.rows * v.cols)) {
                Linear.packed(weight: v, bias: nil).forward(x, parallelism: parallelism)
            }, u)
        }
        let bias = output.bias, softcap = finalLogitSoftcap
        let block = Swift.max(1, Swift.min(vocabularyBlock, vocab))
        var maxima = [Float](repeating: -.infinity, count: n), sums = [Double](repeating: 0, count: n)
        var picked = [Float](repeating: 0, count: n)
        var logits = [Float](repeating: 0, count: n * block)  // n × block, row stride = the block's width
        for c0 in stride(from: 0, to: vocab, by: block) {
            let cols = c0..<Swift.min(vocab, c0 + block), width = cols.count
            logits.withUnsafeMutableBufferPointer { lb in
                let z = lb.baseAddress!
                profile.measure(.lmHead, flops: 2 * Double(n * width * weight.cols)) {
                    input.withView { xv in
                        weight.multiply(xv, rows: cols, into: MutableMatrixView(base: z, rows: n, cols: width, rowStride: width),
                                        beta: 0, parallelism: parallelism)
                    }
                }
                profile.measure(.logSoftmax) {
                    maxima.withUnsafeMutableBufferPointer { mb in
                        sums.withUnsafeMutableBufferPointer { sb in
                            picked.withUnsafeMutableBufferPointer { pb in
                                let m = mb.baseAddress!, s = sb.baseAddress!, p = pb.baseAddress!
                                let threads = n * width >= 1 << 16 ? parallelism : .serial
                                threads.forEachRange(n) { range in
                                    for r in range {
                                        let row = z + r * width
                                        if let bias {
                                            bias.withUnsafeBufferPointer { VectorMath.add(row, $0.baseAddress! + c0, count: width) }
                                        }
                                        if let c = softcap {
                                            for j in 0..<width { row[j] = c * Foundation.tanh(row[j] / c) }
                                        }
                                        let target = targets[r]
                                        if cols.contains(target) { p[r] = row[target - c0] }
                                        let newMax = Swift.max(m[r], VectorMath.maximum(row, count: width))
                                        s[r] = s[r] * Foundation.exp(Double(m[r] - newMax))
                                            + VectorMath.sumOfExponentials(row, count: width, shift: newMax)
                                        m[r] = newMax
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var nll = 0.0
        for r in 0..<n { nll += Double(maxima[r]) + Foundation.log(sums[r]) - Double(picked[r]) }
        return nll
    }
}
