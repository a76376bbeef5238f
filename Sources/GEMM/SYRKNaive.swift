import LinearAlgebraCore

/// C[i, j] ← α·Σ_s T(Σ_{p∈s} K(A[p, i])·K(A[p, j])) + β·C[i, j] for j ≤ i: the rows of A cut into slabs s of
/// `slab` rows, each slab's dot product of two columns summed in K, the slabs' sums added in T (A converted element
/// by element). With K = T and one slab of every row this is the plain double loop. The reference every other SYRK
/// variant is tested against. The strict upper triangle of C is not touched; with β = 0, C is not read.
func syrkNaive<S: LinalgScalar, K: LinalgScalar, T: LinalgScalar>(
    _ a: MatrixView<S>, _ c: MutableMatrixView<T>, kernelScalar: K.Type, slab: Int, alpha: T, beta: T
) {
    let n = a.cols, k = a.rows, slab = Swift.max(1, slab)
    for i in 0..<n {
        for j in 0...i {
            var sum: T = 0
            for p0 in stride(from: 0, to: k, by: slab) {
                var part: K = 0
                for p in p0..<Swift.min(k, p0 + slab) { part += K(a[p, i].asDouble) * K(a[p, j].asDouble) }
                sum += T(part.asDouble)
            }
            c[i, j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i, j]
        }
    }
}
