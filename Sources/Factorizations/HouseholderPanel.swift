import GEMM
import LinearAlgebraCore

/// Factors a panel P (mp × np, mp ≥ np) in place as P = H₀⋯H_{np−1}·[R; 0] and builds the T of its compact
/// WY form (LAPACK GEQRT3 style), so the panel itself runs mostly in GEMMs:
///
///     P = [P₁ P₂] (n₁ = np/2 columns in P₁):  factor P₁ → (V₁, T₁₁);  P₂ ← (I − V₁T₁₁V₁ᵀ)ᵀ·P₂;
///     factor P₂'s rows n₁… → (V₂, T₂₂);        T = [T₁₁ −T₁₁·(V₁ᵀV₂)·T₂₂; 0 T₂₂].
///
/// Panels of at most `leaf` columns are factored one reflector at a time (GEQR2) and T built by LARFT.
/// On return P holds R on and above the diagonal and V below; `tau` gets np scalars; `t` (np × np) is upper
/// triangular with zeros below.
func householderPanel<T: GEMMScalar>(
    _ p: MutableMatrixView<T>, tau: UnsafeMutablePointer<T>, t: MutableMatrixView<T>, leaf: Int,
    workspace ws: QRWorkspace<T>, parallelism: Parallelism
) {
    let mp = p.rows, np = p.cols, ld = p.rowStride
    guard np > 0 else { return }
    if np <= Swift.max(1, leaf) {
        for c in 0..<np {
            let head = p.base + c * ld + c
            let (beta, tc) = HouseholderReflector.generate(alpha: head[0], head + ld, count: mp - c - 1, stride: ld)
            head[0] = beta
            tau[c] = tc
            if c + 1 < np {
                HouseholderReflector.apply(tau: tc, tail: head + ld, stride: ld,
                                           to: p.block(rows: c..<mp, cols: (c + 1)..<np), w: ws.row)
            }
        }
        BlockReflector.formT(v: p.readOnly, tau: tau, into: t, scratch: ws.row)
        return
    }
    let n1 = np / 2
    let left = 0..<n1, right = n1..<np
    let t11 = t.block(rows: left, cols: left), t22 = t.block(rows: right, cols: right)
    let t12 = t.block(rows: left, cols: right)
    t.block(rows: right, cols: left).fill(0)
    let p1 = p.block(rows: 0..<mp, cols: left)
    householderPanel(p1, tau: tau, t: t11, leaf: leaf, workspace: ws, parallelism: parallelism)
    BlockReflector(v: p1.readOnly, t: t11.readOnly)
        .apply(to: p.block(rows: 0..<mp, cols: right), transposed: true, workspace: ws, parallelism: parallelism)
    let p22 = p.block(rows: n1..<mp, cols: right)
    householderPanel(p22, tau: tau + n1, t: t22, leaf: leaf, workspace: ws, parallelism: parallelism)

    // G = V₁ᵀ·V₂ (n₁ × n₂): V₂ is zero above row n₁, so only V₁'s rows n₁… meet it, and those are dense.
    let n2 = np - n1
    let g = MutableMatrixView(base: ws.w, rows: n1, cols: n2, rowStride: n2)    // n₁ × n₂
    let g2 = MutableMatrixView(base: ws.w2, rows: n1, cols: n2, rowStride: n2)  // n₁ × n₂
    let v2Top = BlockReflector(v: p22.readOnly, t: t22.readOnly).explicitTop(ws)   // n₂ × n₂
    gemm(.transposed, p.block(rows: n1..<np, cols: left).readOnly, .none, v2Top, into: g, alpha: 1, beta: 0,
         parallelism: parallelism)
    if mp > np {
        gemm(.transposed, p.block(rows: np..<mp, cols: left).readOnly, .none,
             p.block(rows: np..<mp, cols: right).readOnly, into: g, alpha: 1, beta: 1, parallelism: parallelism)
    }
    // T₁₂ = −T₁₁·G·T₂₂
    gemm(.none, t11.readOnly, .none, g.readOnly, into: g2, alpha: 1, beta: 0, parallelism: parallelism)
    gemm(.none, g2.readOnly, .none, t22.readOnly, into: t12, alpha: -1, beta: 0, parallelism: parallelism)
}
