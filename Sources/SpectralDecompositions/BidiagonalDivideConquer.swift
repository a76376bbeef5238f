import GEMM
import LinearAlgebraCore

/// The SVD B = U·Σ·Vᵀ of an n × n upper bidiagonal B by divide and conquer (Gu & Eisenstat 1995; the
/// structure of LAPACK bdsdc/lasd0/lasd1), in Double. Every node is an upper bidiagonal of `rows` rows and
/// rows + sqre columns (sqre ∈ {0, 1}: one extra column, whose entry is e_{rows−1}); the root is square.
///
/// Split at row k = rows/2: the top k × (k+1) block B₁ (sqre 1) and the bottom block B₂ (same sqre as the
/// node), joined by row k = (d_k at column k, e_k at column k+1). With Bᵢ = Uᵢ·[Dᵢ 0]·Wᵢᵀ (Wᵢ square; its last
/// column is the null vector when sqre = 1),
///
///     B = diag(U₁, 1, U₂)·M·diag(W₁, W₂)ᵀ,   M's first row z = (d_k·W₁[k, ·], e_k·W₂[0, ·]), M's diagonal (0, D₁, D₂),
///
/// after moving row k first and W₁'s null column to the front. With sqre = 1, a rotation of the front column
/// and W₂'s null column moves e_k·W₂[0, null] into z₀ and leaves the node's null column. M = U_M·Σ·V_Mᵀ by
/// ``arrowheadSVD(d:z:toleranceFactor:)``; then U = diag(U₁, 1, U₂)·U_M and W = diag(W₁, W₂)·V_M, per diagonal
/// block by ``sparseColumnProduct(_:_:rows:cols:into:sparseLimit:parallelism:)`` (deflated columns of U_M, V_M
/// are unit vectors, the others vanish on deflated rows: the GEMMs shrink to the undeflated part). Nodes of at most `leafSize` rows: ``bidiagonalQR(d:e:ut:vt:length:maxIterationFactor:)``
/// after rotating the extra column away (sqre = 1: rotations of columns (i, rows), i = rows−1 … 0, chase it up).
///
/// Returns σ descending and U, V (n × n row-major; column j is the j-th singular vector).
func bidiagonalDivideConquer(d: [Double], e: [Double], params: BidiagonalSVDParams,
                             parallelism: Parallelism) throws(SVDError) -> (s: [Double], u: [Double], v: [Double]) {
    let solver = DivideConquerSolver(d: d, e: e, params: params, parallelism: parallelism)
    try solver.solve(r0: 0, rows: d.count, sqre: 0)
    return (solver.s, solver.u, solver.w)
}

/// The recursion of ``bidiagonalDivideConquer(d:e:params:parallelism:)``: node results live in the diagonal
/// blocks of the global U (rows × rows at (r0, r0)) and W ((rows + sqre)² at (r0, r0)), σ in s[r0..<r0+rows].
final class DivideConquerSolver {
    let d: [Double], e: [Double]
    let n: Int
    let params: BidiagonalSVDParams
    let parallelism: Parallelism
    var u: [Double], w: [Double], s: [Double]
    /// Deepest number of secular-equation iterations met (diagnostics).
    var secularIterations = 0
    /// Total deflated values over all merges (diagnostics).
    var deflatedCount = 0

    init(d: [Double], e: [Double], params: BidiagonalSVDParams, parallelism: Parallelism) {
        self.d = d
        self.e = e
        n = d.count
        self.params = params
        self.parallelism = parallelism
        u = [Double](repeating: 0, count: n * n)
        w = [Double](repeating: 0, count: n * n)
        s = [Double](repeating: 0, count: n)
    }

    func solve(r0: Int, rows: Int, sqre: Int) throws(SVDError) {
        guard rows > 0 else {
            if sqre == 1 { w[r0 * n + r0] = 1 }
            return
        }
        if rows <= Swift.max(2, params.leafSize) {
            try leaf(r0: r0, rows: rows, sqre: sqre)
            return
        }
        let k = rows / 2
        let n2 = rows - k - 1
        try solve(r0: r0, rows: k, sqre: 1)
        try solve(r0: r0 + k + 1, rows: n2, sqre: sqre)
        merge(r0: r0, rows: rows, sqre: sqre, k: k)
    }

    func leaf(r0: Int, rows nl: Int, sqre: Int) throws(SVDError) {
        var dd = Array(d[r0..<(r0 + nl)])
        var ee = Array(e[r0..<(r0 + nl - 1)])
        let nw = nl + sqre
        var w0 = [Double](repeating: 0, count: nw * nw)
        for i in 0..<nw { w0[i * nw + i] = 1 }
        if sqre == 1 {
            var extra = e[r0 + nl - 1]
            for i in stride(from: nl - 1, through: 0, by: -1) {
                let (c, sn, r) = givens(dd[i], extra)
                dd[i] = r
                for a in 0..<nw {
                    let x = w0[a * nw + i], y = w0[a * nw + nl]
                    w0[a * nw + i] = c * x + sn * y
                    w0[a * nw + nl] = -sn * x + c * y
                }
                if i > 0 {
                    extra = -sn * ee[i - 1]
                    ee[i - 1] = c * ee[i - 1]
                }
            }
        }
        var ut = [Double](repeating: 0, count: nl * nl), vt = [Double](repeating: 0, count: nl * nl)
        for i in 0..<nl { ut[i * nl + i] = 1; vt[i * nl + i] = 1 }
        _ = try ut.withUnsafeMutableBufferPointer { (ub) throws(SVDError) -> Int in
            try vt.withUnsafeMutableBufferPointer { (vb) throws(SVDError) -> Int in
                try bidiagonalQR(d: &dd, e: &ee, ut: ub.baseAddress!, vt: vb.baseAddress!, length: nl,
                                 maxIterationFactor: params.maxIterationFactor)
            }
        }
        for j in 0..<nl {
            s[r0 + j] = dd[j]
            for a in 0..<nl { u[(r0 + a) * n + r0 + j] = ut[j * nl + a] }
        }
        for a in 0..<nw {
            for j in 0..<nl {
                var acc = 0.0
                for b in 0..<nl { acc += w0[a * nw + b] * vt[j * nl + b] }
                w[(r0 + a) * n + r0 + j] = acc
            }
            if sqre == 1 { w[(r0 + a) * n + r0 + nl] = w0[a * nw + nl] }
        }
    }

    func merge(r0: Int, rows nm: Int, sqre: Int, k: Int) {
        let n2 = nm - k - 1
        let dk = d[r0 + k], ek = e[r0 + k]
        var dm = [Double](repeating: 0, count: nm), z = [Double](repeating: 0, count: nm)
        let rowK = (r0 + k) * n, rowK1 = (r0 + k + 1) * n
        z[0] = dk * w[rowK + r0 + k]
        for i in 0..<k {
            dm[1 + i] = s[r0 + i]
            z[1 + i] = dk * w[rowK + r0 + i]
        }
        for i in 0..<n2 {
            dm[k + 1 + i] = s[r0 + k + 1 + i]
            z[k + 1 + i] = ek * w[rowK1 + r0 + k + 1 + i]
        }
        var c0 = 1.0, s0 = 0.0
        if sqre == 1 {
            let (c, sn, r) = givens(z[0], ek * w[rowK1 + r0 + k + 1 + n2])
            c0 = c
            s0 = sn
            z[0] = r
        }
        let ah = arrowheadSVD(d: dm, z: z, toleranceFactor: params.deflationTolerance)
        secularIterations = Swift.max(secularIterations, ah.iterations)
        deflatedCount += ah.deflated
        let nw = nm + sqre
        // R₁ ((k+1) × nw): V_M's rows for W₁'s columns (σ₁…σ_k, then the null column ↔ M's column 0);
        // R₂ ((n2+sqre) × nw): rows for W₂'s columns (σ…, then its null column ↔ M's extra column).
        var r1 = [Double](repeating: 0, count: (k + 1) * nw), r2 = [Double](repeating: 0, count: (n2 + sqre) * nw)
        for j in 0..<nm {
            for i in 0..<k { r1[i * nw + j] = ah.v[(1 + i) * nm + j] }
            r1[k * nw + j] = c0 * ah.v[j]
            for i in 0..<n2 { r2[i * nw + j] = ah.v[(k + 1 + i) * nm + j] }
            if sqre == 1 { r2[n2 * nw + j] = s0 * ah.v[j] }
        }
        if sqre == 1 {
            r1[k * nw + nm] = -s0
            r2[n2 * nw + nm] = c0
        }
        var top = [Double](repeating: 0, count: (k + 1) * nw), bottom = [Double](repeating: 0, count: (n2 + sqre) * nw)
        var utop = [Double](repeating: 0, count: k * nm), ubottom = [Double](repeating: 0, count: n2 * nm)
        let par = parallelism
        w.withUnsafeBufferPointer { wb in
            let w1 = MatrixView(base: wb.baseAddress! + r0 * n + r0, rows: k + 1, cols: k + 1, rowStride: n)
            let w2 = MatrixView(base: wb.baseAddress! + (r0 + k + 1) * n + r0 + k + 1, rows: n2 + sqre,
                                cols: n2 + sqre, rowStride: n)
            r1.withUnsafeBufferPointer { rb in
                top.withUnsafeMutableBufferPointer { tb in
                    sparseColumnProduct(w1, rb.baseAddress!, rows: k + 1, cols: nw,
                                        into: MutableMatrixView(base: tb.baseAddress!, rows: k + 1, cols: nw, rowStride: nw),
                                        parallelism: par)
                }
            }
            if n2 + sqre > 0 {
                r2.withUnsafeBufferPointer { rb in
                    bottom.withUnsafeMutableBufferPointer { bb in
                        sparseColumnProduct(w2, rb.baseAddress!, rows: n2 + sqre, cols: nw,
                                            into: MutableMatrixView(base: bb.baseAddress!, rows: n2 + sqre, cols: nw,
                                                                    rowStride: nw),
                                            parallelism: par)
                    }
                }
            }
        }
        u.withUnsafeBufferPointer { ub in
            ah.u.withUnsafeBufferPointer { ab in
                let u1 = MatrixView(base: ub.baseAddress! + r0 * n + r0, rows: k, cols: k, rowStride: n)
                utop.withUnsafeMutableBufferPointer { tb in
                    sparseColumnProduct(u1, ab.baseAddress! + nm, rows: k, cols: nm,
                                        into: MutableMatrixView(base: tb.baseAddress!, rows: k, cols: nm, rowStride: nm),
                                        parallelism: par)
                }
                if n2 > 0 {
                    let u2 = MatrixView(base: ub.baseAddress! + (r0 + k + 1) * n + r0 + k + 1, rows: n2, cols: n2,
                                        rowStride: n)
                    ubottom.withUnsafeMutableBufferPointer { bb in
                        sparseColumnProduct(u2, ab.baseAddress! + (k + 1) * nm, rows: n2, cols: nm,
                                            into: MutableMatrixView(base: bb.baseAddress!, rows: n2, cols: nm,
                                                                    rowStride: nm),
                                            parallelism: par)
                    }
                }
            }
        }
        for i in 0..<(k + 1) {
            for j in 0..<nw { w[(r0 + i) * n + r0 + j] = top[i * nw + j] }
        }
        for i in 0..<(n2 + sqre) {
            for j in 0..<nw { w[(r0 + k + 1 + i) * n + r0 + j] = bottom[i * nw + j] }
        }
        for i in 0..<k {
            for j in 0..<nm { u[(r0 + i) * n + r0 + j] = utop[i * nm + j] }
        }
        for j in 0..<nm { u[(r0 + k) * n + r0 + j] = ah.u[j] }
        for i in 0..<n2 {
            for j in 0..<nm { u[(r0 + k + 1 + i) * n + r0 + j] = ubottom[i * nm + j] }
        }
        for j in 0..<nm { s[r0 + j] = ah.sigma[j] }
    }
}
