import GEMM
import LinearAlgebraCore

/// A product of b reflectors in compact WY form, H = H₀·H₁⋯H_{b−1} = I − V·T·Vᵀ (LAPACK LARFT / LARFB).
///
/// V (mv × b, mv ≥ b) is unit lower trapezoidal and lives below the diagonal of the QR factors (its unit
/// diagonal and zero upper part are implicit); T (b × b) is upper triangular with zeros stored below.
/// Applications split V = [V₁; V₂] with V₁ the b × b unit-lower top (copied explicitly into the workspace) and
/// V₂ dense, so everything runs as GEMMs on the stored factors without copying V₂.
struct BlockReflector<T: GEMMScalar> {
    /// mv × b: the stored factors whose strict lower part holds V.
    let v: MatrixView<T>
    /// b × b upper triangular, zeros below.
    let t: MatrixView<T>

    var order: Int { t.rows }

    /// C ← H·C (`transposed == false`) or Hᵀ·C = (I − V·Tᵀ·Vᵀ)·C, for C with mv rows:
    ///     W = Vᵀ·C = V₁ᵀ·C₁ + V₂ᵀ·C₂,   W ← op(T)·W,   C₁ −= V₁·W,   C₂ −= V₂·W.
    func apply(to c: MutableMatrixView<T>, transposed: Bool, workspace ws: QRWorkspace<T>,
               parallelism: Parallelism) {
        let b = order, mv = v.rows
        precondition(c.rows == mv && b <= ws.blockSize, "BlockReflector.apply: shapes do not conform")
        guard b > 0, c.cols > 0 else { return }
        let v1 = explicitTop(ws)
        let v2 = v.block(rows: b..<mv, cols: 0..<b)
        var j0 = 0
        while j0 < c.cols {  // columns in chunks that fit the workspace
            let cw = Swift.min(ws.maxColumns, c.cols - j0)
            let cols = j0..<(j0 + cw)
            let c1 = c.block(rows: 0..<b, cols: cols), c2 = c.block(rows: b..<mv, cols: cols)
            let w = MutableMatrixView(base: ws.w, rows: b, cols: cw, rowStride: cw)    // b × cw
            let w2 = MutableMatrixView(base: ws.w2, rows: b, cols: cw, rowStride: cw)  // b × cw
            gemm(.transposed, v1, .none, c1.readOnly, into: w, alpha: 1, beta: 0, parallelism: parallelism)
            if mv > b {
                gemm(.transposed, v2, .none, c2.readOnly, into: w, alpha: 1, beta: 1, parallelism: parallelism)
            }
            gemm(transposed ? .transposed : .none, t, .none, w.readOnly, into: w2, alpha: 1, beta: 0,
                 parallelism: parallelism)
            gemm(.none, v1, .none, w2.readOnly, into: c1, alpha: -1, beta: 1, parallelism: parallelism)
            if mv > b {
                gemm(.none, v2, .none, w2.readOnly, into: c2, alpha: -1, beta: 1, parallelism: parallelism)
            }
            j0 += cw
        }
    }

    /// V₁ (b × b, unit lower, zeros above) copied into `ws.vTop`.
    func explicitTop(_ ws: QRWorkspace<T>) -> MatrixView<T> {
        let b = order
        let top = MutableMatrixView(base: ws.vTop, rows: b, cols: b, rowStride: b)  // b × b
        for i in 0..<b {
            for j in 0..<b { top[i, j] = j < i ? v[i, j] : (j == i ? 1 : 0) }
        }
        return top.readOnly
    }

    /// Builds T (b × b, upper, zeros below) for the reflectors stored in `v` with scalars `tau` (LARFT,
    /// forward, columnwise): T = [T₀ z; 0 τᵢ] column by column with z = −τᵢ·T₀·(V[:, 0..<i]ᵀ·vᵢ).
    /// O(mv·b²), scalar: used for the small leaves of the recursive panel.
    static func formT(v: MatrixView<T>, tau: UnsafePointer<T>, into t: MutableMatrixView<T>,
                      scratch z: UnsafeMutablePointer<T>) {
        let b = t.rows, mv = v.rows
        t.fill(0)
        for i in 0..<b {
            // z = V[:, 0..<i]ᵀ·vᵢ, vᵢ = eᵢ + (entries below row i)
            for p in 0..<i { z[p] = v[i, p] }
            for r in (i + 1)..<Swift.max(i + 1, mv) { axpy(v[r, i], v.base + r * v.rowStride, z, count: i) }
            // T[0..<i, i] = −τᵢ·T₀·z (T₀ upper triangular)
            for p in 0..<i {
                var s: T = 0
                for q in p..<i { s += t[p, q] * z[q] }
                t[p, i] = -tau[i] * s
            }
            t[i, i] = tau[i]
        }
    }
}
