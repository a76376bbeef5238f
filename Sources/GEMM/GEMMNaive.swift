import LinearAlgebraCore

/// C ← α·op(A)·op(B) + β·C by the textbook triple loop: the reference every other variant is tested against.
///
/// When β = 0, C is not read (so NaN or Inf already in C does not propagate), as in the BLAS.
func gemmNaive<T: LinalgScalar>(
    _ transA: Transpose, _ a: MatrixView<T>, _ transB: Transpose, _ b: MatrixView<T>,
    _ c: MutableMatrixView<T>, alpha: T, beta: T
) {
    let k = transA == .none ? a.cols : a.rows
    for i in 0..<c.rows {
        for j in 0..<c.cols {
            var sum: T = 0
            for p in 0..<k {
                let aip = transA == .none ? a[i, p] : a[p, i]
                let bpj = transB == .none ? b[p, j] : b[j, p]
                sum += aip * bpj
            }
            c[i, j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i, j]
        }
    }
}
