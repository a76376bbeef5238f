import GEMM
import LinearAlgebraCore

/// Factors a panel P (mp × np, mp ≥ np) in place as P = H₀⋯H_{np−1}·[R; 0] and builds the T of its compact
/// WY form (LAPACK GEQRT3 style), so the panel itself runs mostly in GEMMs:
///
///     P = [P₁ P₂] (n₁ = np/2 columns in P₁):  factor P₁ → (V₁, T₁₁);  P₂ ← (I − V₁T₁₁V₁ᵀ)ᵀ·P₂;
///     factor P₂'s rows n₁… → (V₂, T₂₂);        T = [T₁₁ −T₁₁·(V₁ᵀV₂)·T₂₂; 0 T₂₂].
///
/// Panels of at most `leaf` columns are factored one reflector at a time (GEQR2) and T built by LARFT, see
/// ``householderLeaf(_:tau:t:columns:)``.
/// On return P holds R on and above the diagonal and V below; `tau` gets np scalars; `t` (np × np) is upper
/// triangular with zeros below.
func householderPanel<T: GEMMScalar>(
    _ p: MutableMatrixView<T>, tau: UnsafeMutablePointer<T>, t: MutableMatrixView<T>, leaf: Int,
    workspace ws: QRWorkspace<T>, parallelism: Parallelism
) {
    let mp = p.rows, np = p.cols
    guard np > 0 else { return }
    if np <= Swift.max(1, leaf) {
        householderLeaf(p, tau: tau, t: t, columns: ws.leafColumns)
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

/// GEQR2 + LARFT on a narrow panel P (mp × np, mp ≥ np), on a transposed copy S = Pᵀ (np × mp, in `columns`) so
/// every reflector is generated, applied and dotted over contiguous memory:
///
///     for c: (β, τ_c) = LARFG(S[c, c], S[c, c+1…]);  for j > c: w = v_cᵀ·S[j, c…],  S[j, c…] −= τ_c·w·v_c;
///     T[0..<i, i] = −τ_i·T[0..<i, 0..<i]·z,  z_p = v_pᵀ·v_i = S[p, i] + S[p, i+1…]·S[i, i+1…].
func householderLeaf<T: LinalgScalar>(_ p: MutableMatrixView<T>, tau: UnsafeMutablePointer<T>,
                                      t: MutableMatrixView<T>, columns s: UnsafeMutablePointer<T>) {
    let mp = p.rows, np = p.cols, ld = p.rowStride
    for r in 0..<mp {
        let row = p.base + r * ld
        for c in 0..<np { s[c * mp + r] = row[c] }
    }
    for c in 0..<np {
        let v = s + c * mp + c  // v[0] = α, v[1…] = x
        let len = mp - c - 1
        let (beta, tc) = HouseholderReflector.generate(alpha: v[0], v + 1, count: len, stride: 1)
        v[0] = beta
        tau[c] = tc
        guard tc != 0 else { continue }
        for j in (c + 1)..<np {
            let x = s + j * mp + c
            let w = tc * (x[0] + dotProduct(v + 1, x + 1, count: len))
            x[0] -= w
            axpy(-w, v + 1, x + 1, count: len)
        }
    }
    t.fill(0)
    for i in 0..<np {
        let vi = s + i * mp
        for q in 0..<i {
            // z_q = v_qᵀ·v_i, stored in T[q, i] until the triangular product below overwrites it
            let vq = s + q * mp
            t[q, i] = vq[i] + dotProduct(vq + i + 1, vi + i + 1, count: mp - i - 1)
        }
        // T[0..<i, i] = −τ_i·T₀·z, row by row from the top: T[q, i] depends on z_q… only
        for q in 0..<i {
            var acc: T = 0
            for r in q..<i { acc += t[q, r] * t[r, i] }
            t[q, i] = -tau[i] * acc
        }
        t[i, i] = tau[i]
    }
    for r in 0..<mp {
        let row = p.base + r * ld
        for c in 0..<np { row[c] = s[c * mp + r] }
    }
}
