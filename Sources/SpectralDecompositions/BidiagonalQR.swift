import Foundation
import LinearAlgebraCore

/// The SVD B = U·Σ·Vᵀ of an n × n upper bidiagonal B (d diagonal, e superdiagonal) by implicit-shift QR
/// (Golub–Kahan; Demmel–Kahan's relative-accuracy variant, as LAPACK bdsqr), in Double:
///
/// 1. Split: |eᵢ| ≤ thresh = max(tol·σ̃_min/√n, maxit·n·unfl) is set to 0; the bottom unreduced block [ll, m]
///    is worked on (tol = ε·min(100, max(10, ε^{−1/8})); σ̃_min from the μ recurrence below).
/// 2. Direction: chase top→bottom when |d_ll| ≥ |d_m| (a graded block's large end first), else bottom→top
///    (done as the top→bottom chase of the reversed transpose J·Bᵀ·J, whose U and V swap).
/// 3. Relative convergence: μ₀ = |d_ll|, μⱼ₊₁ = |dⱼ₊₁|·μⱼ/(μⱼ + |eⱼ|); eⱼ ≤ tol·μⱼ is negligible.
/// 4. Shift: 0 (Demmel–Kahan zero-shift sweep, which keeps relative accuracy of tiny σ) when
///    n·tol·σ̃_min/σ̃_max ≤ max(ε, tol/100), else the smaller singular value of the trailing 2 × 2
///    (dropped to 0 when (shift/|d_ll|)² < ε).
/// 5. After convergence, σ made non-negative (flipping the row of Vᵀ) and sorted descending.
///
/// `ut` and `vt` (n × `length` row-major, may be nil) receive the rotations on their rows: on return row i of
/// `ut`/`vt` is the i-th left/right singular vector when they started as I. Returns the number of inner
/// steps. Throws ``SVDError/noConvergence(sweeps:)`` after maxIterationFactor·n² steps.
func bidiagonalQR(d: inout [Double], e: inout [Double], ut: UnsafeMutablePointer<Double>?,
                  vt: UnsafeMutablePointer<Double>?, length ld: Int,
                  maxIterationFactor: Int) throws(SVDError) -> Int {
    let n = d.count
    guard n > 0 else { return 0 }
    precondition(e.count >= n - 1, "bidiagonalQR: e needs n − 1 entries")
    let eps = Double.ulpOfOne / 2
    let tol = Swift.max(10, Swift.min(100, pow(eps, -0.125))) * eps
    let unfl = Double.leastNormalMagnitude
    let maxit = Swift.max(0, maxIterationFactor) * n * n
    var iterations = 0
    if n > 1 {
        // σ̃_min: the μ recurrence over the whole matrix.
        var mu = abs(d[0]), sminoa = mu
        for i in 1..<n where sminoa > 0 {
            mu = abs(d[i]) * (mu / (mu + abs(e[i - 1])))
            sminoa = Swift.min(sminoa, mu)
        }
        sminoa /= Double(n).squareRoot()
        let thresh = Swift.max(tol * sminoa, Double(maxit) * unfl)
        var m = n - 1
        var oldll = -1, oldm = -1, idir = 0
        try d.withUnsafeMutableBufferPointer { (db) throws(SVDError) in
            try e.withUnsafeMutableBufferPointer { (eb) throws(SVDError) in
                let d = db.baseAddress!, e = eb.baseAddress!
                outer: while m > 0 {
                    if iterations >= maxit { throw SVDError.noConvergence(sweeps: iterations) }
                    // 1. The bottom unreduced block [ll, m].
                    var smax = abs(d[m])
                    var ll = 0
                    var split = false
                    for lll in 1...m {
                        ll = m - lll
                        let abss = abs(d[ll]), abse = abs(e[ll])
                        if abse <= thresh { e[ll] = 0; split = true; break }
                        smax = Swift.max(smax, abss, abse)
                    }
                    if split {
                        if ll == m - 1 { m -= 1; continue outer }
                        ll += 1
                    } else {
                        ll = 0
                    }
                    // 2. Direction, for a block not overlapping the last one.
                    if ll > oldm || m < oldll { idir = abs(d[ll]) >= abs(d[m]) ? 1 : 2 }
                    // 3. Convergence tests.
                    var sminl: Double
                    if idir == 1 {
                        if abs(e[m - 1]) <= tol * abs(d[m]) { e[m - 1] = 0; continue outer }
                        var mu = abs(d[ll])
                        sminl = mu
                        for j in ll..<m {
                            if abs(e[j]) <= tol * mu { e[j] = 0; continue outer }
                            mu = abs(d[j + 1]) * (mu / (mu + abs(e[j])))
                            sminl = Swift.min(sminl, mu)
                        }
                    } else {
                        if abs(e[ll]) <= tol * abs(d[ll]) { e[ll] = 0; continue outer }
                        var mu = abs(d[m])
                        sminl = mu
                        for j in stride(from: m - 1, through: ll, by: -1) {
                            if abs(e[j]) <= tol * mu { e[j] = 0; continue outer }
                            mu = abs(d[j]) * (mu / (mu + abs(e[j])))
                            sminl = Swift.min(sminl, mu)
                        }
                    }
                    oldll = ll
                    oldm = m
                    // 4. Shift.
                    var shift = 0.0
                    if Double(n) * tol * (sminl / smax) > Swift.max(eps, 0.01 * tol) {
                        let sll: Double
                        if idir == 1 {
                            sll = abs(d[ll])
                            shift = smallerSingularValue(d[m - 1], e[m - 1], d[m])
                        } else {
                            sll = abs(d[m])
                            shift = smallerSingularValue(d[ll], e[ll], d[ll + 1])
                        }
                        if sll > 0 && (shift / sll) * (shift / sll) < eps { shift = 0 }
                    }
                    iterations += m - ll
                    // 5. One sweep; idir = 2 runs on the reversed transpose (U and V swap roles).
                    let rev = idir == 2
                    bidiagonalSweep(d: d, e: e, ll: ll, m: m, shift: shift, reversed: rev,
                                    left: rev ? vt : ut, right: rev ? ut : vt, length: ld)
                    if idir == 1 {
                        if abs(e[m - 1]) <= thresh { e[m - 1] = 0 }
                    } else {
                        if abs(e[ll]) <= thresh { e[ll] = 0 }
                    }
                }
            }
        }
    }
    // Non-negative σ, sorted descending (selection sort: swaps of vector rows are O(n) each).
    for i in 0..<n where d[i] < 0 {
        d[i] = -d[i]
        if let vt { for j in 0..<ld { vt[i * ld + j] = -vt[i * ld + j] } }
    }
    for i in 0..<n {
        var best = i
        for j in (i + 1)..<Swift.max(i + 1, n) where d[j] > d[best] { best = j }
        if best != i {
            d.swapAt(i, best)
            if let ut { swapRows(ut, i, best, ld) }
            if let vt { swapRows(vt, i, best, ld) }
        }
    }
    return iterations
}

@inline(__always)
private func swapRows(_ a: UnsafeMutablePointer<Double>, _ i: Int, _ j: Int, _ ld: Int) {
    for k in 0..<ld { let t = a[i * ld + k]; a[i * ld + k] = a[j * ld + k]; a[j * ld + k] = t }
}

/// The rotation [c s; −s c]·[f; g] = [r; 0] (c = f/r, s = g/r, r = ±√(f² + g²)).
@inline(__always)
func givens(_ f: Double, _ g: Double) -> (c: Double, s: Double, r: Double) {
    if g == 0 { return (1, 0, f) }
    if f == 0 { return (0, 1, g) }
    let r = hypotD(f, g)
    return (f / r, g / r, r)
}

/// x ← c·x + s·y, y ← −s·x + c·y on rows i and j (length ld) of `a`, if present.
@inline(__always)
func rotatePair(_ a: UnsafeMutablePointer<Double>?, _ i: Int, _ j: Int, _ ld: Int, c: Double, s: Double) {
    guard let a else { return }
    rotateRows(a + i * ld, a + j * ld, ld, c: c, s: -s)
}

/// The smaller singular value of [f g; 0 h]: σ_min = |f·h|/σ_max with
/// σ_max = ½(√((|f|+|h|)² + g²) + √((|f|−|h|)² + g²)), evaluated scaled by max(|f|, |g|, |h|).
@inline(__always)
func smallerSingularValue(_ f: Double, _ g: Double, _ h: Double) -> Double {
    let fa = abs(f), ga = abs(g), ha = abs(h)
    let fhmn = Swift.min(fa, ha), fhmx = Swift.max(fa, ha)
    if fhmn == 0 { return 0 }
    let sc = Swift.max(fhmx, ga)
    let a = fhmn / sc, b = fhmx / sc, c = ga / sc
    return 2 * fhmn * (b / (((b + a) * (b + a) + c * c).squareRoot() + ((b - a) * (b - a) + c * c).squareRoot()))
}

/// One QR sweep over the block [ll, m] of B, top to bottom, of B itself or (`reversed`) of J·Bᵀ·J (index i of
/// the sweep is d[ll + m − i], e[ll + m − 1 − i]). `left`/`right` receive the row and column rotations.
///
/// shift ≠ 0: the Golub–Kahan step, a bulge started by the rotation of ((d_ll² − shift²)/d_ll, e_ll) and chased
/// down by alternating column and row rotations. shift = 0: Demmel–Kahan's implicit zero-shift QR, which
/// needs no subtractions and so keeps every σ to high relative accuracy:
///
///     for i: (c, s, r) = rot(dᵢ·c, eᵢ);  e_{i−1} = s_old·r;  (c_old, s_old, dᵢ) = rot(c_old·r, dᵢ₊₁·s)
///     then h = d_m·c, d_m = h·c_old, e_{m−1} = h·s_old.
@inline(__always)
func bidiagonalSweep(d: UnsafeMutablePointer<Double>, e: UnsafeMutablePointer<Double>, ll: Int, m: Int,
                     shift: Double, reversed rev: Bool, left: UnsafeMutablePointer<Double>?,
                     right: UnsafeMutablePointer<Double>?, length ld: Int) {
    @inline(__always) func di(_ i: Int) -> Int { rev ? ll + m - i : i }
    @inline(__always) func ei(_ i: Int) -> Int { rev ? ll + m - 1 - i : i }
    if shift == 0 {
        var cs = 1.0, oldcs = 1.0, oldsn = 0.0
        for i in ll..<m {
            let (c1, s1, r) = givens(d[di(i)] * cs, e[ei(i)])
            cs = c1
            if i > ll { e[ei(i - 1)] = oldsn * r }
            let (c2, s2, r2) = givens(oldcs * r, d[di(i + 1)] * s1)
            oldcs = c2
            oldsn = s2
            d[di(i)] = r2
            rotatePair(right, di(i), di(i + 1), ld, c: c1, s: s1)
            rotatePair(left, di(i), di(i + 1), ld, c: c2, s: s2)
        }
        let h = d[di(m)] * cs
        d[di(m)] = h * oldcs
        e[ei(m - 1)] = h * oldsn
        return
    }
    let d0 = d[di(ll)]
    var f = (abs(d0) - shift) * ((d0 >= 0 ? 1.0 : -1.0) + shift / d0)
    var g = e[ei(ll)]
    for i in ll..<m {
        let (c1, s1, r) = givens(f, g)
        if i > ll { e[ei(i - 1)] = r }
        let dI = d[di(i)], eI = e[ei(i)], dN = d[di(i + 1)]
        f = c1 * dI + s1 * eI
        var eNew = c1 * eI - s1 * dI
        g = s1 * dN
        var dNext = c1 * dN
        rotatePair(right, di(i), di(i + 1), ld, c: c1, s: s1)
        let (c2, s2, r2) = givens(f, g)
        d[di(i)] = r2
        f = c2 * eNew + s2 * dNext
        dNext = c2 * dNext - s2 * eNew
        eNew = f
        d[di(i + 1)] = dNext
        e[ei(i)] = eNew
        if i < m - 1 {
            let eN = e[ei(i + 1)]
            g = s2 * eN
            e[ei(i + 1)] = c2 * eN
        }
        rotatePair(left, di(i), di(i + 1), ld, c: c2, s: s2)
    }
    e[ei(m - 1)] = f
}
