import GEMM
import LinearAlgebraCore

/// The output projection and the next-token loss, fused and swept in blocks of rows so that the logits of a
/// whole micro-batch (tokens × vocab) are never held:
///
///     zₜ = hₜ W_outᵀ,   ℓ = Σₜ (log Σⱼ exp zₜⱼ − zₜ,yₜ)        over the rows t with a target yₜ ≥ 0
///
/// Backward, for the loss scaled by `gradientScale` (1 / the targets of the optimizer step):
///
///     dzₜ = gradientScale · (softmax(zₜ) − e_{yₜ}),   dhₜ = dzₜ W_out       (rows without a target: 0)
///
/// W_out (vocab × hidden) is frozen: the embedding itself when tied. The log-sum-exp accumulates in Double.
public enum CrossEntropyOp {
    /// Rows of the logits held at a time.
    public static let defaultRowBlock = 256

    /// Loss sum over the targeted rows, their count, and dH (rows × hidden) when `gradientScale` is given.
    public static func forward<T: TrainingScalar>(hidden: Matrix<T>, output: Matrix<T>, targets: [Int],
                                                  gradientScale: T?, rowBlock: Int = defaultRowBlock,
                                                  parallelism: Parallelism) -> (loss: Double, count: Int, dHidden: Matrix<T>?) {
        precondition(targets.count == hidden.rows && hidden.cols == output.cols)
        let d = hidden.cols, vocab = output.rows
        let scored = targets.indices.filter { targets[$0] >= 0 }
        var dHidden = gradientScale.map { _ in Matrix<T>(rows: hidden.rows, cols: d) }
        var total = 0.0
        for c0 in stride(from: 0, to: scored.count, by: rowBlock) {
            let rows = Array(scored[c0..<Swift.min(scored.count, c0 + rowBlock)]), c = rows.count
            var x = Matrix<T>(rows: c, cols: d)  // c × hidden, the block's rows
            for (i, r) in rows.enumerated() {
                for j in 0..<d { x.elements[i * d + j] = hidden.elements[r * d + j] }
            }
            var z = MatrixProducts.product(x, .none, output, .transposed, parallelism: parallelism)  // c × vocab
            var losses = [Double](repeating: 0, count: c)
            losses.withUnsafeMutableBufferPointer { lb in
                let l = lb.baseAddress!
                MatrixProducts.forEachRowRange(&z, parallelism: parallelism) { range, base in
                    for i in range {
                        let row = base + i * vocab, y = targets[rows[i]]
                        precondition((0..<vocab).contains(y), "CrossEntropyOp: target \(y) outside the vocabulary")
                        let zy = row[y].asDouble
                        let m = T.maximum(row, count: vocab)
                        let sum = T.expShifted(row, count: vocab, shift: m)  // row ← exp(z − m)
                        l[i] = m.asDouble + Double.log(sum) - zy
                        if let g = gradientScale {
                            let c = g * T(1 / sum)
                            for j in 0..<vocab { row[j] *= c }
                            row[y] -= g
                        }
                    }
                }
            }
            total += losses.reduce(0, +)
            if dHidden != nil {
                let dx = MatrixProducts.product(z, .none, output, .none, parallelism: parallelism)  // c × hidden
                for (i, r) in rows.enumerated() {
                    for j in 0..<d { dHidden!.elements[r * d + j] = dx.elements[i * d + j] }
                }
            }
        }
        return (total, scored.count, dHidden)
    }
}
