import GEMM
import LinearAlgebraCore

/// C = A·B for a B (p × nc, row-major, contiguous) whose columns are mostly either dense or very sparse — the
/// merge products of bidiagonal divide and conquer, where deflated singular vectors of the merge matrix are
/// unit vectors (or a few rotated ones) and the others vanish on the deflated rows:
///
/// - columns of B with at most `sparseLimit` nonzeros: C[:, j] = Σ_{r: B[r, j] ≠ 0} B[r, j]·A[:, r];
/// - the other columns J: with R the rows of B nonzero in some column of J,
///   C[:, J] = A[:, R]·B[R, J], one GEMM on gathered copies (|R| ≤ p, often ≈ the undeflated count).
///
/// `_ref`: ``sparseColumnProduct_ref(_:_:into:)``, one dense GEMM.
func sparseColumnProduct(_ a: MatrixView<Double>, _ b: UnsafePointer<Double>, rows p: Int, cols nc: Int,
                         into c: MutableMatrixView<Double>, sparseLimit: Int = 4, parallelism: Parallelism) {
    let m = a.rows
    precondition(a.cols == p && c.rows == m && c.cols == nc, "sparseColumnProduct: shapes do not conform")
    guard m > 0, nc > 0 else { return }
    var nnz = [Int](repeating: 0, count: nc)
    for r in 0..<p {
        let row = b + r * nc
        for j in 0..<nc where row[j] != 0 { nnz[j] += 1 }
    }
    var dense = [Int](), sparse = [Int]()
    for j in 0..<nc { if nnz[j] > sparseLimit { dense.append(j) } else { sparse.append(j) } }
    for j in sparse {
        for i in 0..<m { c[i, j] = 0 }
        for r in 0..<p {
            let coef = b[r * nc + j]
            guard coef != 0 else { continue }
            for i in 0..<m { c[i, j] += coef * a[i, r] }
        }
    }
    guard !dense.isEmpty else { return }
    var rowUsed = [Bool](repeating: false, count: p)
    for r in 0..<p {
        let row = b + r * nc
        for j in dense where row[j] != 0 { rowUsed[r] = true; break }
    }
    let rows = (0..<p).filter { rowUsed[$0] }
    let nr = rows.count, nd = dense.count
    if nr == 0 {
        for i in 0..<m { for j in dense { c[i, j] = 0 } }
        return
    }
    var ag = [Double](repeating: 0, count: m * nr), bg = [Double](repeating: 0, count: nr * nd)
    var cg = [Double](repeating: 0, count: m * nd)
    for i in 0..<m {
        for (t, r) in rows.enumerated() { ag[i * nr + t] = a[i, r] }
    }
    for (t, r) in rows.enumerated() {
        for (s, j) in dense.enumerated() { bg[t * nd + s] = b[r * nc + j] }
    }
    ag.withUnsafeBufferPointer { agb in
        bg.withUnsafeBufferPointer { bgb in
            cg.withUnsafeMutableBufferPointer { cgb in
                gemm(.none, MatrixView(base: agb.baseAddress!, rows: m, cols: nr, rowStride: nr), .none,
                     MatrixView(base: bgb.baseAddress!, rows: nr, cols: nd, rowStride: nd),
                     into: MutableMatrixView(base: cgb.baseAddress!, rows: m, cols: nd, rowStride: nd),
                     parallelism: parallelism)
            }
        }
    }
    for i in 0..<m {
        for (s, j) in dense.enumerated() { c[i, j] = cg[i * nd + s] }
    }
}

/// Reference for ``sparseColumnProduct(_:_:rows:cols:into:sparseLimit:parallelism:)``: C = A·B by one GEMM.
func sparseColumnProduct_ref(_ a: MatrixView<Double>, _ b: UnsafePointer<Double>, rows p: Int, cols nc: Int,
                             into c: MutableMatrixView<Double>) {
    gemm(.none, a, .none, MatrixView(base: b, rows: p, cols: nc, rowStride: nc), into: c)
}
