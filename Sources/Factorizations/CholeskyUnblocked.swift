import LinearAlgebraCore

/// L·Lᵀ = A in place on the lower triangle of a (small or reference) block, row by row (up-looking):
///
///     lᵢⱼ = (aᵢⱼ − Σ_{k<j} lᵢₖ·lⱼₖ) / lⱼⱼ   (j < i),        lᵢᵢ = √(dᵢ),   dᵢ = aᵢᵢ − Σ_{k<i} lᵢₖ²,
///
/// each sum a contiguous SIMD dot product of two rows of L. Only the lower triangle is read; the strict upper
/// triangle is left as it was. `offset` is the block's position on the diagonal of the whole matrix, so the
/// `policy` sees global pivot indices. Pivots are met in order, so a failure at i means the leading
/// (i+1) × (i+1) minor is the first one that is not positive definite.
func choleskyUnblocked<T: LinalgScalar>(_ a: MutableMatrixView<T>, offset: Int,
                                        policy: inout PivotPolicy<T>) throws(FactorizationError) {
    let n = a.rows
    let ld = a.rowStride
    for i in 0..<n {
        let rowI = a.base + i * ld
        for j in 0..<i {
            let rowJ = a.base + j * ld
            rowI[j] = (rowI[j] - dotProduct(rowI, rowJ, count: j)) / rowJ[j]
        }
        let d = rowI[i] - dotProduct(rowI, rowI, count: i)
        rowI[i] = try policy.accept(d, at: offset + i).squareRoot()
    }
}
