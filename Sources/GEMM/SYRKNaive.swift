import LinearAlgebraCore

/// C[i, j] ← α·Σₚ A[p, i]·A[p, j] + β·C[i, j] for j ≤ i, accumulating in T (A widened element by element):
/// the reference every other SYRK variant is tested against. The strict upper triangle of C is not touched; with
/// β = 0, C is not read.
func syrkNaive<S: LinalgScalar, T: LinalgScalar>(_ a: MatrixView<S>, _ c: MutableMatrixView<T>, alpha: T, beta: T) {
    let n = a.cols, k = a.rows
    for i in 0..<n {
        for j in 0...i {
            var sum: T = 0
            for p in 0..<k { sum += T(a[p, i].asDouble) * T(a[p, j].asDouble) }
            c[i, j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i, j]
        }
    }
}
