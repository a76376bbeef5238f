import GEMM
import LinearAlgebraCore

/// The Golub–Kahan bidiagonalization A = Q·B·Pᵀ of an m × n matrix, m ≥ n (LAPACK gebrd layout):
///
///     Q = H₀H₁⋯H_{n−1},  Hₖ = I − τqₖ·vₖvₖᵀ,  vₖ = [0…0 1 v_{k+1}…]ᵀ  (zeros a column below the diagonal),
///     P = G₀G₁⋯G_{n−2},  Gₖ = I − τpₖ·uₖuₖᵀ,  uₖ = [0…0 1 u_{k+2}…]ᵀ  (zeros a row right of the superdiagonal),
///
/// B upper bidiagonal with d = diag, e = superdiagonal. `factors` holds d and e on the diagonal and
/// superdiagonal, vₖ (without its 1) below the diagonal in column k, uₖ (without its 1) right of the
/// superdiagonal in row k.
struct Bidiagonalization<T: GEMMScalar> {
    /// m × n.
    var factors: Matrix<T>
    /// n scalars τqₖ.
    var tauQ: [T]
    /// n scalars τpₖ (the last is 0: there is no G_{n−1}).
    var tauP: [T]

    /// The n diagonal entries of B, in Double.
    var d: [Double] { (0..<factors.cols).map { factors[$0, $0].asDouble } }
    /// The n − 1 superdiagonal entries of B, in Double.
    var e: [Double] { (0..<Swift.max(0, factors.cols - 1)).map { factors[$0, $0 + 1].asDouble } }
}

/// The reflector H = I − τ·v·vᵀ (v₀ = 1) with Hᵀ·[α; x] = [β; 0], β = −sign(α)·‖[α; x]‖, τ = (β − α)/β:
/// x is overwritten by v₁… = x/(α − β). When x = 0, τ = 0 and β = α. Norms in Double (with scaling when the
/// plain sum of squares under- or overflows); each vᵢ is a quotient of magnitude ≤ 1, so none overflows.
@inline(__always)
func generateReflector<T: LinalgScalar>(alpha: T, _ x: UnsafeMutablePointer<T>, count n: Int,
                                        stride s: Int) -> (beta: T, tau: T) {
    var ssq = 0.0
    for i in 0..<n { let v = x[i * s].asDouble; ssq += v * v }
    var xnorm = ssq.squareRoot()
    if !(ssq.isFinite && ssq > 0x1p-960) {
        var big = 0.0
        for i in 0..<n { big = Swift.max(big, abs(x[i * s].asDouble)) }
        if big > 0 {
            ssq = 0
            for i in 0..<n { let v = x[i * s].asDouble / big; ssq += v * v }
            xnorm = big * ssq.squareRoot()
        } else {
            xnorm = 0
        }
    }
    if xnorm == 0 { return (alpha, 0) }
    let a = alpha.asDouble
    let b = a >= 0 ? -hypotD(a, xnorm) : hypotD(a, xnorm)
    let tau = (b - a) / b
    let denom = a - b
    if abs(denom) > 0x1p-900 {
        let f = T(1 / denom)
        for i in 0..<n { x[i * s] *= f }
    } else {
        for i in 0..<n { x[i * s] = T(x[i * s].asDouble / denom) }
    }
    return (T(b), T(tau))
}

/// √(a² + b²) without intermediate over- or underflow.
@inline(__always)
func hypotD(_ a: Double, _ b: Double) -> Double {
    let x = abs(a), y = abs(b)
    let big = Swift.max(x, y), small = Swift.min(x, y)
    if big == 0 || !big.isFinite { return big }
    let r = small / big
    return big * (1 + r * r).squareRoot()
}

/// Unblocked reference bidiagonalization (LAPACK gebd2): for k = 0…n−1, Hₖ from column k (rows k…) applied to
/// the columns right of it, then Gₖ from row k (columns k+1…) applied to the rows below it. m ≥ n.
@_specialize(where T == Float)
@_specialize(where T == Double)
func bidiagonalize_ref<T: GEMMScalar>(_ a: Matrix<T>) -> Bidiagonalization<T> {
    let (m, n) = (a.rows, a.cols)
    precondition(m >= n, "bidiagonalize: needs m ≥ n")
    var f = a
    var tauQ = [T](repeating: 0, count: n), tauP = [T](repeating: 0, count: n)
    var w = [T](repeating: 0, count: Swift.max(n, 1))
    f.elements.withUnsafeMutableBufferPointer { fb in
        let f = fb.baseAddress!
        w.withUnsafeMutableBufferPointer { wb in
            let w = wb.baseAddress!
            for k in 0..<n {
                let (bq, tq) = generateReflector(alpha: f[k * n + k], f + (k + 1) * n + k, count: m - k - 1, stride: n)
                f[k * n + k] = bq
                tauQ[k] = tq
                let nc = n - k - 1
                if tq != 0 && nc > 0 {
                    // w = vᵀ·A[k…, k+1…];  A −= τ·v·wᵀ
                    for j in 0..<nc { w[j] = f[k * n + k + 1 + j] }
                    for r in (k + 1)..<m { axpyRow(f[r * n + k], f + r * n + k + 1, w, nc) }
                    axpyRow(-tq, w, f + k * n + k + 1, nc)
                    for r in (k + 1)..<m { axpyRow(-tq * f[r * n + k], w, f + r * n + k + 1, nc) }
                }
                guard k + 1 < n else { continue }
                let (bp, tp) = generateReflector(alpha: f[k * n + k + 1], f + k * n + k + 2, count: n - k - 2, stride: 1)
                tauP[k] = tp
                f[k * n + k + 1] = 1
                if tp != 0 {
                    // each row r > k: w = A[r, k+1…]·u;  A[r, k+1…] −= τ·w·uᵀ
                    let u = f + k * n + k + 1
                    for r in (k + 1)..<m {
                        let row = f + r * n + k + 1
                        let dot = dotRow(row, u, nc)
                        axpyRow(-tp * dot, u, row, nc)
                    }
                }
                f[k * n + k + 1] = bp
            }
        }
    }
    return Bidiagonalization(factors: f, tauQ: tauQ, tauP: tauP)
}

/// Blocked bidiagonalization (LAPACK gebrd/labrd scheme). Per panel of b = `blockSize` columns starting at p,
/// the b reflector pairs are generated from rows and columns updated on the fly, with X ((m − p) × b) and
/// Y ((n − p) × b) such that after the panel
///
///     H_{p+b−1}⋯Hₚ · A · Gₚ⋯G_{p+b−1} = A − V·Yᵀ − X·Uᵀ     (V, U: the panel's reflector vectors),
///
/// built column by column: yₜ = τqₜ·(Aᵀvₜ − Y·(Vᵀvₜ) − U·(Xᵀvₜ)), xₜ = τpₜ·(A·uₜ − V·(Yᵀuₜ) − X·(Uᵀuₜ)).
/// The trailing matrix then takes A₂₂ −= V₂·Y₂ᵀ + X₂·U₂ᵀ: two GEMMs of inner dimension b. Half the flops (the
/// products with A inside the panel) stay matrix–vector, as in LAPACK, but fused (Howell et al.'s BLAS 2.5
/// idea): one pass over the rows r > k computes xₜ's row product A[r, ·]·uₜ, updates column k+1 at row r and,
/// with that row still in cache, accumulates Σᵣ wᵣ·A[r, ·] for the next step's Aᵀv_{t+1} — v_{t+1} is the
/// updated column w scaled after the pass, Aᵀv = A[k+1, ·] + Σ_{r>k+1} wᵣ·A[r, ·]/(α − β). m ≥ n.
@_specialize(where T == Float)
@_specialize(where T == Double)
func bidiagonalize<T: GEMMScalar>(_ a: Matrix<T>, blockSize: Int, parallelism: Parallelism) -> Bidiagonalization<T> {
    let (m, n) = (a.rows, a.cols)
    precondition(m >= n, "bidiagonalize: needs m ≥ n")
    let nb = Swift.max(1, Swift.min(blockSize, n))
    var f = a
    var tauQ = [T](repeating: 0, count: n), tauP = [T](repeating: 0, count: n)
    var xBuf = [T](repeating: 0, count: m * nb), yBuf = [T](repeating: 0, count: n * nb)
    var scratch = [T](repeating: 0, count: 2 * n + 8 * nb + 8)
    f.withMutableView { fv in
        let f = fv.base, ld = n
        xBuf.withUnsafeMutableBufferPointer { xb in
            yBuf.withUnsafeMutableBufferPointer { yb in
                scratch.withUnsafeMutableBufferPointer { sb in
                    let xw = xb.baseAddress!, yw = yb.baseAddress!
                    var acc = sb.baseAddress!
                    let w1 = acc + n, w2 = w1 + nb + 1, ucol = w2 + nb + 1
                    // Σ_{r>k} wᵣ·A[r, k+1…] (and over V's, X's rows) of the next column w, from the fused pass.
                    var pre = ucol + nb + 1, w1Pre = pre + n, w2Pre = w1Pre + nb + 1
                    var p = 0
                    while p < n {
                        let b = Swift.min(nb, n - p)
                        var fused = false
                        for t in 0..<b {
                            let k = p + t
                            let nc = n - k - 1
                            if !fused {
                                // 1. Column k, rows k…: A[k…, k] −= V[k…, 0..<t]·Y[k, 0..<t]ᵀ + X[k…, 0..<t]·U[k, 0..<t]ᵀ
                                if t > 0 {
                                    for s in 0..<t { ucol[s] = s == t - 1 ? 1 : f[(p + s) * ld + k] }
                                    let yk = yw + (k - p) * nb
                                    for r in k..<m {
                                        f[r * ld + k] -= dotRow(f + r * ld + p, yk, t) + dotRow(xw + (r - p) * nb, ucol, t)
                                    }
                                }
                                // Σ_{r>k} A[r, k]·(A[r, k+1…], V[r, 0..<t], X[r, 0..<t])
                                for j in 0..<nc { pre[j] = 0 }
                                for s in 0..<t { w1Pre[s] = 0; w2Pre[s] = 0 }
                                for r in (k + 1)..<m {
                                    let wr = f[r * ld + k]
                                    axpyRow(wr, f + r * ld + k + 1, pre, nc)
                                    if t > 0 {
                                        axpyRow(wr, f + r * ld + p, w1Pre, t)
                                        axpyRow(wr, xw + (r - p) * nb, w2Pre, t)
                                    }
                                }
                            }
                            // 2. Hₖ from column k (w → v = [1; w₁…/(α − β)]).
                            let alpha = f[k * ld + k]
                            let (bq, tq) = generateReflector(alpha: alpha, f + (k + 1) * ld + k, count: m - k - 1,
                                                             stride: ld)
                            f[k * ld + k] = bq
                            tauQ[k] = tq
                            guard nc > 0 else { continue }
                            // 3. yₜ over columns k+1…: τq·(A[k…, k+1…]ᵀv − Y·(V[k…, 0..<t]ᵀv) − U·(X[k…, 0..<t]ᵀv)),
                            //    with Σ_{r≥k} vᵣ·(…)ᵣ = (…)ₖ + Σ_{r>k} wᵣ·(…)ᵣ/(α − β).
                            if tq != 0 {
                                let denom = alpha.asDouble - bq.asDouble
                                let sc = T(1 / denom)
                                if abs(denom) > 0x1p-900 && sc.isFinite {
                                    for j in 0..<nc { acc[j] = f[k * ld + k + 1 + j] + sc * pre[j] }
                                    for s in 0..<t {
                                        w1[s] = f[k * ld + p + s] + sc * w1Pre[s]
                                        w2[s] = xw[(k - p) * nb + s] + sc * w2Pre[s]
                                    }
                                } else {
                                    for j in 0..<nc { acc[j] = f[k * ld + k + 1 + j] }
                                    for s in 0..<t { w1[s] = f[k * ld + p + s]; w2[s] = xw[(k - p) * nb + s] }
                                    for r in (k + 1)..<m {
                                        let vr = f[r * ld + k]
                                        axpyRow(vr, f + r * ld + k + 1, acc, nc)
                                        if t > 0 {
                                            axpyRow(vr, f + r * ld + p, w1, t)
                                            axpyRow(vr, xw + (r - p) * nb, w2, t)
                                        }
                                    }
                                }
                                for s in 0..<t { axpyRow(-w2[s], f + (p + s) * ld + k + 1, acc, nc) }
                                for j in 0..<nc {
                                    let yrow = yw + (k + 1 + j - p) * nb
                                    yrow[t] = tq * (acc[j] - dotRow(yrow, w1, t))
                                }
                            } else {
                                for j in 0..<nc { yw[(k + 1 + j - p) * nb + t] = 0 }
                            }
                            // 4. Row k, columns k+1…: A[k, k+1…] −= V[k, 0...t]·Y[k+1…, 0...t]ᵀ + X[k, 0..<t]·U[k+1…, 0..<t]ᵀ
                            for s in 0..<t { w1[s] = f[k * ld + p + s] }
                            w1[t] = 1
                            let rowK = f + k * ld + k + 1
                            for j in 0..<nc { rowK[j] -= dotRow(yw + (k + 1 + j - p) * nb, w1, t + 1) }
                            for s in 0..<t { axpyRow(-xw[(k - p) * nb + s], f + (p + s) * ld + k + 1, rowK, nc) }
                            // 5. Gₖ from row k.
                            let (bp, tp) = generateReflector(alpha: rowK[0], rowK + 1, count: nc - 1, stride: 1)
                            tauP[k] = tp
                            rowK[0] = 1
                            // 6. One pass over rows r > k: xₜ = τp·(A[k+1…, k+1…]·u − V·(Y[k+1…, 0...t]ᵀu) − X·(U[k+1…, 0..<t]ᵀu)),
                            //    and (within the panel) the next column's update and its sums, on the row in cache.
                            for s in 0...t { w1[s] = 0 }
                            for j in 0..<nc { axpyRow(rowK[j], yw + (k + 1 + j - p) * nb, w1, t + 1) }
                            for s in 0..<t { w2[s] = dotRow(f + (p + s) * ld + k + 1, rowK, nc) }
                            let next = t + 1 < b
                            if next {
                                for s in 0..<t { ucol[s] = f[(p + s) * ld + k + 1] }
                                ucol[t] = 1
                                swap(&pre, &acc)
                                for j in 0..<(nc - 1) { pre[j] = 0 }
                                for s in 0...t { w1Pre[s] = 0; w2Pre[s] = 0 }
                            }
                            let ykn = yw + (k + 1 - p) * nb   // Y[k+1, 0...t]
                            for r in (k + 1)..<m {
                                let row = f + r * ld
                                let xr = xw + (r - p) * nb
                                xr[t] = tp * (dotRow(row + k + 1, rowK, nc) - dotRow(row + p, w1, t + 1)
                                              - dotRow(xr, w2, t))
                                guard next else { continue }
                                row[k + 1] -= dotRow(row + p, ykn, t + 1) + dotRow(xr, ucol, t + 1)
                                if r > k + 1 {
                                    let wr = row[k + 1]
                                    axpyRow(wr, row + k + 2, pre, nc - 1)
                                    axpyRow(wr, row + p, w1Pre, t + 1)
                                    axpyRow(wr, xr, w2Pre, t + 1)
                                }
                            }
                            fused = next
                            rowK[0] = bp
                        }
                        // Trailing update A₂₂ −= V₂·Y₂ᵀ + X₂·U₂ᵀ (U₂ᵀ = the panel's rows right of column p+b, whose
                        // first element of the last row is the implicit 1).
                        let q = p + b
                        if q < n && q < m {
                            let last = f[(q - 1) * ld + q]
                            f[(q - 1) * ld + q] = 1
                            let a22 = fv.block(rows: q..<m, cols: q..<n)
                            let v2 = fv.readOnly.block(rows: q..<m, cols: p..<q)
                            let u2t = fv.readOnly.block(rows: p..<q, cols: q..<n)
                            let y2 = MatrixView(base: UnsafePointer(yw + b * nb), rows: n - q, cols: b, rowStride: nb)
                            let x2 = MatrixView(base: UnsafePointer(xw + b * nb), rows: m - q, cols: b, rowStride: nb)
                            gemm(.none, v2, .transposed, y2, into: a22, alpha: -1, beta: 1, parallelism: parallelism)
                            gemm(.none, x2, .none, u2t, into: a22, alpha: -1, beta: 1, parallelism: parallelism)
                            f[(q - 1) * ld + q] = last
                        }
                        p = q
                    }
                }
            }
        }
    }
    return Bidiagonalization(factors: f, tauQ: tauQ, tauP: tauP)
}
