import GEMM
import LinearAlgebraCore

/// C ← C − A·Aᵀ on the lower triangle of C (BLAS SYRK, lower, α = −1, β = 1), by recursive halving:
///
///     [C₁₁ ·; C₂₁ C₂₂] −= [A₁; A₂]·[A₁ᵀ A₂ᵀ]:  C₁₁ recursively, C₂₁ −= A₂·A₁ᵀ (one GEMM), C₂₂ recursively,
///
/// so almost all the work is in large GEMMs. C is n × n, A is n × k. Diagonal blocks of at most `leaf` rows
/// are updated whole by GEMM, so their strict upper triangle is scratch: it is written, never read.
func symmetricRankUpdateLower<T: GEMMScalar>(_ c: MutableMatrixView<T>, _ a: MatrixView<T>, leaf: Int,
                                             parallelism: Parallelism) {
    let n = c.rows
    guard n > 0, a.cols > 0 else { return }
    if n <= Swift.max(1, leaf) {
        gemm(.none, a, .transposed, a, into: c, alpha: -1, beta: 1, parallelism: parallelism)
        return
    }
    let h = n / 2
    let first = 0..<h, second = h..<n, all = 0..<a.cols
    symmetricRankUpdateLower(c.block(rows: first, cols: first), a.block(rows: first, cols: all), leaf: leaf,
                             parallelism: parallelism)
    gemm(.none, a.block(rows: second, cols: all), .transposed, a.block(rows: first, cols: all),
         into: c.block(rows: second, cols: first), alpha: -1, beta: 1, parallelism: parallelism)
    symmetricRankUpdateLower(c.block(rows: second, cols: second), a.block(rows: second, cols: all), leaf: leaf,
                             parallelism: parallelism)
}
