/// The secular equation of the Gu–Eisenstat bidiagonal divide and conquer, in Double:
///
///     f(σ) = 1 + Σᵢ zᵢ²/((dᵢ − σ)(dᵢ + σ)) = 0,   0 = d₀ < d₁ < … < d_{K−1},  all zᵢ ≠ 0,
///
/// whose K roots interlace, dⱼ < σⱼ < dⱼ₊₁ (σ_{K−1} < √(d²_{K−1} + zᵀz)): the singular values of
/// M = [z; 0 diag(d₁…)]. Each root is kept as σⱼ = d_{o(j)} + τⱼ relative to its nearer pole o(j) ∈ {j, j+1},
/// so that every difference σⱼ − dᵢ = (d_{o(j)} − dᵢ) + τⱼ is accurate to a few ulps even when σⱼ is
/// within rounding of dᵢ (Li's origin shift, as LAPACK lasd4).
struct SecularRoots {
    /// The nearer pole of each root.
    var origin: [Int]
    /// σⱼ − d_{origin[j]}.
    var tau: [Double]
    /// σⱼ, ascending.
    var sigma: [Double]
    /// Iterations of the slowest root.
    var maxIterations: Int
}

/// Solves f(σ) = 0 for all K roots (see ``SecularRoots``).
///
/// Root j < K − 1: f at the midpoint σ² = (dⱼ² + dⱼ₊₁²)/2 picks the origin (f increases with σ; f(mid) ≥ 0 puts
/// the root in the lower half, origin j). Then, in x = σ² − d_o², each step fits the "middle way" model
/// (Li 1994) to the two sums ψ = Σ_{i≤j} and φ = Σ_{i>j} at the current x,
///
///     ψ(y) ≈ a + b/(Δⱼ − y),  φ(y) ≈ A + B/(Δⱼ₊₁ − y),   b = ψ'·δⱼ², a = ψ − ψ'·δⱼ,  B = φ'·δⱼ₊₁², A = φ − φ'·δⱼ₊₁
///
/// (δᵢ = dᵢ² − σ², Δᵢ = dᵢ² − d_o²) and takes the model's root in (Δⱼ, Δⱼ₊₁), a quadratic solved in its stable
/// form; steps leaving the bracket kept from the signs of f bisect it. The last root uses ψ alone (one pole).
/// Stops when |f| ≤ 8ε·(1 + Σ|zᵢ²/δᵢ|), when the bracket is a few ulps of τ wide, or after 200 steps.
func solveSecularEquation(d: [Double], z: [Double]) -> SecularRoots {
    let k = d.count
    var origin = [Int](repeating: 0, count: k), tau = [Double](repeating: 0, count: k)
    var sigma = [Double](repeating: 0, count: k)
    let eps = Double.ulpOfOne
    let zz = z.map { $0 * $0 }
    let znorm2 = zz.reduce(0, +)
    var worst = 0

    /// f, ψ' and φ' (derivatives in x = σ²), and Σ|terms|, at σ = d[o] + t; the split is after index j.
    func evaluate(o: Int, t: Double, j: Int) -> (f: Double, psi: Double, phi: Double, dpsi: Double, dphi: Double,
                                                 size: Double) {
        let dO = d[o]
        var psi = 0.0, phi = 0.0, dpsi = 0.0, dphi = 0.0
        for i in 0...j {
            let inv = 1 / (((d[i] - dO) - t) * (d[i] + dO + t))
            let q = zz[i] * inv
            psi += q
            dpsi += q * inv
        }
        for i in (j + 1)..<Swift.max(j + 1, k) {
            let inv = 1 / (((d[i] - dO) - t) * (d[i] + dO + t))
            let q = zz[i] * inv
            phi += q
            dphi += q * inv
        }
        return (1 + psi + phi, psi, phi, dpsi, dphi, 1 + phi - psi)
    }

    for j in 0..<k {
        var o: Int
        var lo: Double, hi: Double, t: Double
        if j < k - 1 {
            let g2 = (d[j + 1] - d[j]) * (d[j + 1] + d[j])    // dⱼ₊₁² − dⱼ²
            let sMid = (d[j] * d[j] + g2 / 2).squareRoot()
            let tMid = (g2 / 2) / (sMid + d[j])
            let fm = evaluate(o: j, t: tMid, j: j).f
            if fm >= 0 {
                o = j; lo = 0; hi = tMid; t = tMid
            } else {
                o = j + 1; lo = -(g2 / 2) / (sMid + d[j + 1]); hi = 0; t = lo
            }
        } else {
            o = j
            let dO = d[j]
            lo = 0
            hi = znorm2 / ((dO * dO + znorm2).squareRoot() + dO)
            t = hi
        }
        let dO = d[o]
        var iterations = 0
        while iterations < 200 {
            iterations += 1
            let ev = evaluate(o: o, t: t, j: j)
            if abs(ev.f) <= 8 * eps * ev.size { break }
            if ev.f < 0 { lo = Swift.max(lo, t) } else { hi = Swift.min(hi, t) }
            if hi - lo <= 4 * eps * Swift.max(abs(lo), abs(hi)) { break }
            // The model step, in y = x relative to d_o².
            var y = Double.nan
            let deltaJ = ((d[j] - dO) - t) * (d[j] + dO + t)
            if j < k - 1 {
                let deltaJ1 = ((d[j + 1] - dO) - t) * (d[j + 1] + dO + t)
                let b = ev.dpsi * deltaJ * deltaJ, bb = ev.dphi * deltaJ1 * deltaJ1
                let c = 1 + (ev.psi - ev.dpsi * deltaJ) + (ev.phi - ev.dphi * deltaJ1)
                let g = (d[j + 1] - d[j]) * (d[j + 1] + d[j])
                if o == j {
                    let beta = c * g + b + bb
                    let disc = Swift.max(0, beta * beta - 4 * c * b * g)
                    y = 2 * b * g / (beta + disc.squareRoot())
                } else {
                    let beta = b + bb - c * g
                    let disc = Swift.max(0, beta * beta + 4 * c * bb * g)
                    y = -(2 * bb * g / (beta + disc.squareRoot()))
                }
            } else {
                let b = ev.dpsi * deltaJ * deltaJ
                let c = 1 + (ev.psi - ev.dpsi * deltaJ)
                if c > 0 { y = b / c }
            }
            var tNew = y / (dO + (dO * dO + y).squareRoot())
            if !(tNew > lo && tNew < hi) || !tNew.isFinite {
                tNew = lo > 0 && hi / lo > 1e3 ? (lo * hi).squareRoot() : (lo + hi) / 2
                if hi < 0 && lo / hi > 1e3 { tNew = -(lo * hi).squareRoot() }
            }
            if tNew == t { break }
            t = tNew
        }
        worst = Swift.max(worst, iterations)
        origin[j] = o
        tau[j] = t
        sigma[j] = dO + t
    }
    return SecularRoots(origin: origin, tau: tau, sigma: sigma, maxIterations: worst)
}

/// σⱼ − dᵢ, accurate to a few ulps: (d_{o(j)} − dᵢ) + τⱼ.
@inline(__always)
func secularGap(_ roots: SecularRoots, _ d: [Double], root j: Int, pole i: Int) -> Double {
    (d[roots.origin[j]] - d[i]) + roots.tau[j]
}

/// ẑ from the computed roots by Löwner's formula (Gu–Eisenstat), so that the computed σ are the exact singular
/// values of M̂ = [ẑ; 0 diag(d₁…)] and the vectors below are orthogonal to working precision:
///
///     ẑᵢ² = (σ²_{K−1} − dᵢ²) · Π_{k<i} (σₖ² − dᵢ²)/(dₖ² − dᵢ²) · Π_{i≤k<K−1} (σₖ² − dᵢ²)/(dₖ₊₁² − dᵢ²),
///     sign(ẑᵢ) = sign(zᵢ);
///
/// then for each root j: vⱼ ∝ (ẑᵢ/(dᵢ² − σⱼ²))ᵢ (right) and uⱼ ∝ (−1, dᵢẑᵢ/(dᵢ² − σⱼ²))ᵢ≥₁ (left), normalized.
/// Returns K × K row-major arrays whose row j is uⱼ / vⱼ.
func secularVectors(d: [Double], z: [Double], roots: SecularRoots) -> (u: [Double], v: [Double]) {
    let k = d.count
    var zhat = [Double](repeating: 0, count: k)
    for i in 0..<k {
        var p = secularGap(roots, d, root: k - 1, pole: i) * (roots.sigma[k - 1] + d[i])
        for q in 0..<i {
            p *= (secularGap(roots, d, root: q, pole: i) * (roots.sigma[q] + d[i]))
                / ((d[q] - d[i]) * (d[q] + d[i]))
        }
        for q in i..<Swift.max(i, k - 1) {
            p *= (secularGap(roots, d, root: q, pole: i) * (roots.sigma[q] + d[i]))
                / ((d[q + 1] - d[i]) * (d[q + 1] + d[i]))
        }
        let mag = Swift.max(0, p).squareRoot()
        zhat[i] = z[i] >= 0 ? mag : -mag
    }
    var u = [Double](repeating: 0, count: k * k), v = [Double](repeating: 0, count: k * k)
    for j in 0..<k {
        var bu = 0.0, bv = 0.0
        for i in 0..<k {
            let delta = -secularGap(roots, d, root: j, pole: i) * (d[i] + roots.sigma[j])   // dᵢ² − σⱼ²
            let vi = zhat[i] / delta
            let ui = i == 0 ? -1 : d[i] * vi
            v[j * k + i] = vi
            u[j * k + i] = ui
            bv = Swift.max(bv, abs(vi))
            bu = Swift.max(bu, abs(ui))
        }
        // Normalized with a scaling by the largest entry (1/δ can be huge).
        var nu = 0.0, nv = 0.0
        for i in 0..<k {
            let a = u[j * k + i] / bu, b = v[j * k + i] / bv
            nu += a * a
            nv += b * b
        }
        let ru = nu.squareRoot(), rv = nv.squareRoot()
        for i in 0..<k {
            u[j * k + i] = u[j * k + i] / bu / ru
            v[j * k + i] = v[j * k + i] / bv / rv
        }
    }
    return (u, v)
}
