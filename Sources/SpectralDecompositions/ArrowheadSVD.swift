/// The SVD of the merge matrix of bidiagonal divide and conquer, M = [z; 0 diag(d₁…d_{n−1})] (n × n, d₀ = 0:
/// the first column holds z₀ only), with Gu–Eisenstat deflation (LAPACK lasd2/lasd3 in spirit), in Double.
///
/// With tol = factor·ε·max(maxᵢ dᵢ, maxᵢ |zᵢ|), visiting the dᵢ (i ≥ 1) in ascending order:
/// - |z₀| ≤ tol: z₀ ← ±tol (a perturbation ≤ tol; column 0 cannot be deflated like the others);
/// - |zᵢ| ≤ tol: zᵢ ← 0, so dᵢ is a singular value with vectors eᵢ, eᵢ;
/// - dᵢ ≤ tol: dᵢ ← 0 and a rotation of columns 0 and i moves zᵢ into z₀ (z₀ ← √(z₀² + zᵢ²)); row i is then
///   zero: σ = 0 with left vector eᵢ;
/// - dᵢ − dₚ ≤ tol for the previous kept p: dₚ ← dᵢ, and the same rotation of rows and columns p, i (which leaves
///   dᵢ·I unchanged) moves zₚ into zᵢ; σ = dᵢ for the vectors of p.
/// The K kept entries (0 = d₀ < d_{i₁} < …, gaps and |z| above tol) go to ``solveSecularEquation(d:z:)`` and
/// ``secularVectors(d:z:roots:)``. The rotations are then applied to the assembled vectors, last first.
struct ArrowheadSVD {
    /// n values, descending.
    var sigma: [Double]
    /// n × n row-major: column c is the left singular vector of σ_c (rows indexed like M's rows).
    var u: [Double]
    /// n × n row-major: column c is the right singular vector of σ_c (rows indexed like M's columns).
    var v: [Double]
    /// How many of the n values were deflated.
    var deflated: Int
    /// Secular-equation iterations of the slowest root.
    var iterations: Int
}

func arrowheadSVD(d dIn: [Double], z zIn: [Double], toleranceFactor: Double) -> ArrowheadSVD {
    let n = dIn.count
    precondition(n >= 1 && zIn.count == n && dIn[0] == 0, "arrowheadSVD: d₀ must be 0")
    var d = dIn, z = zIn
    var scale = 0.0
    for i in 0..<n { scale = Swift.max(scale, abs(d[i]), abs(z[i])) }
    var u = [Double](repeating: 0, count: n * n), v = [Double](repeating: 0, count: n * n)
    if scale == 0 {
        for i in 0..<n { u[i * n + i] = 1; v[i * n + i] = 1 }
        return ArrowheadSVD(sigma: [Double](repeating: 0, count: n), u: u, v: v, deflated: n, iterations: 0)
    }
    let tol = toleranceFactor * Double.ulpOfOne * scale
    if abs(z[0]) <= tol { z[0] = z[0] < 0 ? -tol : tol }
    let ascending = (1..<n).sorted { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }
    var kept = [0]
    var deflated = [Int]()
    var rotations = [(x: Int, y: Int, c: Double, s: Double, rows: Bool)]()
    for i in ascending {
        if abs(z[i]) <= tol {
            z[i] = 0
            deflated.append(i)
            continue
        }
        if d[i] <= tol {
            let (c, s, r) = givens(z[0], z[i])
            z[0] = r
            z[i] = 0
            d[i] = 0
            rotations.append((0, i, c, s, false))
            deflated.append(i)
            continue
        }
        let p = kept[kept.count - 1]
        if p != 0 && d[i] - d[p] <= tol {
            let (c, s, r) = givens(z[i], z[p])
            z[i] = r
            z[p] = 0
            d[p] = d[i]
            rotations.append((i, p, c, s, true))
            kept.removeLast()
            deflated.append(p)
        }
        kept.append(i)
    }
    let dk = kept.map { d[$0] }, zk = kept.map { z[$0] }
    let roots = solveSecularEquation(d: dk, z: zk)
    let (uk, vk) = secularVectors(d: dk, z: zk, roots: roots)
    let kk = kept.count
    // Columns: roots (index j) and deflated entries (index −1 − t), by value descending.
    var entries = [(value: Double, id: Int)]()
    entries.reserveCapacity(n)
    for j in 0..<kk { entries.append((roots.sigma[j], j)) }
    for (t, i) in deflated.enumerated() { entries.append((d[i], -1 - t)) }
    entries.sort { $0.value > $1.value || ($0.value == $1.value && $0.id < $1.id) }
    for (c, entry) in entries.enumerated() {
        if entry.id >= 0 {
            let j = entry.id
            for (t, row) in kept.enumerated() {
                u[row * n + c] = uk[j * kk + t]
                v[row * n + c] = vk[j * kk + t]
            }
        } else {
            let row = deflated[-1 - entry.id]
            u[row * n + c] = 1
            v[row * n + c] = 1
        }
    }
    u.withUnsafeMutableBufferPointer { ub in
        v.withUnsafeMutableBufferPointer { vb in
            for r in rotations.reversed() {
                rotateRows(vb.baseAddress! + r.x * n, vb.baseAddress! + r.y * n, n, c: r.c, s: r.s)
                if r.rows { rotateRows(ub.baseAddress! + r.x * n, ub.baseAddress! + r.y * n, n, c: r.c, s: r.s) }
            }
        }
    }
    return ArrowheadSVD(sigma: entries.map(\.value), u: u, v: v, deflated: deflated.count,
                        iterations: roots.maxIterations)
}
