import GEMM
import LinearAlgebraCore

/// B ← α·op(A)⁻¹·B (`left`) or α·B·op(A)⁻¹ (`right`) by textbook substitution, one right-hand side at a
/// time, reading op(A)ᵢⱼ through subscripts: the reference the blocked variant is tested against.
///
/// With L = op(A) lower triangular, left: xᵢ = (bᵢ − Σ_{k<i} lᵢₖ·xₖ) / lᵢᵢ for i = 0, 1, …;
/// right (x·L = b): xⱼ = (bⱼ − Σ_{k>j} xₖ·lₖⱼ) / lⱼⱼ for j = n−1, …, 0. Upper is the mirror image.
func triangularSolveNaive<T: LinalgScalar>(
    side: Side, part: TriangularPart, transpose: Transpose, diagonal: Diagonal,
    _ a: MatrixView<T>, _ b: MutableMatrixView<T>, alpha: T
) {
    let n = a.rows
    let lower = part.effective(transpose) == .lower
    let trans = transpose == .transposed
    @inline(__always) func op(_ i: Int, _ j: Int) -> T { trans ? a[j, i] : a[i, j] }
    @inline(__always) func diag(_ i: Int) -> T { diagonal == .unit ? 1 : a[i, i] }
    b.scaleAll(by: alpha)
    switch side {
    case .left:
        for c in 0..<b.cols {
            if lower {
                for i in 0..<n {
                    var s = b[i, c]
                    for k in 0..<i { s -= op(i, k) * b[k, c] }
                    b[i, c] = s / diag(i)
                }
            } else {
                for i in stride(from: n - 1, through: 0, by: -1) {
                    var s = b[i, c]
                    for k in (i + 1)..<n { s -= op(i, k) * b[k, c] }
                    b[i, c] = s / diag(i)
                }
            }
        }
    case .right:
        for r in 0..<b.rows {
            if lower {
                for j in stride(from: n - 1, through: 0, by: -1) {
                    var s = b[r, j]
                    for k in (j + 1)..<n { s -= b[r, k] * op(k, j) }
                    b[r, j] = s / diag(j)
                }
            } else {
                for j in 0..<n {
                    var s = b[r, j]
                    for k in 0..<j { s -= b[r, k] * op(k, j) }
                    b[r, j] = s / diag(j)
                }
            }
        }
    }
}
