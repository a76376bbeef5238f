import GEMM
import LinearAlgebraCore

/// Which orthogonalization kernel the Jacobi SVD driver runs.
enum JacobiKernel: Sendable {
    /// ``oneSidedJacobi(x:count:length:y:yLength:params:parallelism:)``: one plane rotation at a time.
    case scalar
    /// ``BlockJacobi``: block pairs through GEMM.
    case blocked
}

/// The outcome of a decomposition before it is wrapped in an ``SVD``.
struct SVDParts<T: LinalgScalar> {
    /// Descending, non-negative.
    var s: [T]
    /// m × k (nil in values-only mode).
    var u: Matrix<T>?
    /// k × n (nil in values-only mode).
    var vt: Matrix<T>?
    var sweeps: Int
}

/// The thin SVD A = U Σ Vᵀ of A (m × n) by one-sided Jacobi.
///
/// 1. Non-finite input → ``SVDError/nonFinite(row:col:)``. A whose max |aᵢⱼ| is outside a safe range
///    (squares could overflow, or entries are tiny/denormal) is scaled by an exact power of two first, and σ
///    scaled back at the end.
/// 2. A wide A (m < n) is decomposed as Aᵀ = V Σ Uᵀ, so below m ≥ n.
/// 3. With QR preconditioning (``QRPreconditioning``) and ``QRPreconditioner/qr``, A = QR and Jacobi runs on
///    Rᵀ (its columns are R's rows, contiguous): Rᵀ = Ũ Σ Ṽᵀ gives A = (Q Ṽ) Σ Ũᵀ, so U = Q·Ṽ (one GEMM) and
///    V = Ũ. With ``QRPreconditioner/pivotedQRLQ``: A·P = QR, Rᵀ = Q₂R₂, Jacobi on R₂ᵀ = U_x Σ V_xᵀ, then
///    U = Q·U_x and V = P·Q₂·V_x (two GEMMs). Without QR, Jacobi runs on A's columns: A V = U Σ.
///    The sweeps either accumulate V as they go or, with ``JacobiRightVectors/recovered`` (the default for the
///    scalar kernel with vectors), run values-first and recover V afterwards
///    (``recoverAndRefine(x:count:length:y:params:parallelism:)``).
/// 4. σ_j = ‖column j‖ after convergence; the normalized columns are the left factor of the Jacobi problem.
///    Columns whose norm is zero (exact rank deficiency) are replaced by an orthonormal completion
///    (Gram–Schmidt of unit vectors), so U and V always have orthonormal columns.
/// 5. Triplets are sorted by σ descending (stable). Float input with vectors and σ₁/σ_k > 10³: σ are replaced by
///    Double Rayleigh quotients uᵢᵀ A vᵢ (``JacobiParams/sigmaRefinement``). Sign convention: the
///    largest-magnitude component of each right singular vector v_j (the first such, on ties) is positive; u_j is
///    flipped with it.
@_specialize(where T == Float)
@_specialize(where T == Double)
func jacobiSVD<T: GEMMScalar>(_ a: Matrix<T>, vectors: Bool, kernel: JacobiKernel, params: JacobiParams,
                              parallelism: Parallelism) throws(SVDError) -> SVDParts<T> {
    let problem = try TallProblem(a)
    guard problem.k > 0 else { return problem.emptyParts(vectors: vectors) }
    let wide = problem.wide
    let (bigM, bigN) = (problem.bigM, problem.bigN)   // the tall problem G (bigM × bigN) = wide ? Aᵀ : A
    let e = problem.scaleExponent
    let scaled = e == 0 ? a : a.scaledByPowerOfTwo(e)

    let useQR: Bool
    switch params.qrPreconditioning {
    case .whenTall: useQR = bigM > bigN
    case .always: useQR = true
    case .never: useQR = false
    }

    // X: bigN × len, row-major; its rows are the columns being orthogonalized.
    var x: [T]
    let len: Int
    var q: Matrix<T>? = nil    // bigM × bigN
    var q2: Matrix<T>? = nil   // bigN × bigN (pivotedQRLQ)
    var perm: [Int]? = nil     // G·P: column j of G·P is column perm[j] of G (pivotedQRLQ)
    if useQR {
        var g = wide ? transposedCopy(scaled) : scaled
        if params.preconditioner == .pivotedQRLQ {
            let order = columnsByDecreasingNorm(g)
            perm = order
            g = columnsPermuted(g, order)
        }
        let qr = factorQR(g, wantQ: vectors, parallelism: parallelism)
        q = qr.q
        switch params.preconditioner {
        case .qr:
            x = qr.r.elements   // R's rows = Rᵀ's columns
        case .pivotedQRLQ:
            let lq = factorQR(qr.r, transposed: true, wantQ: vectors, parallelism: parallelism)   // Rᵀ = Q₂R₂
            x = lq.r.elements   // R₂'s rows = R₂ᵀ's columns
            q2 = lq.q
        }
        len = bigN
    } else {
        x = wide ? scaled.elements : transposedCopy(scaled).elements   // Gᵀ
        len = bigM
    }
    var y: [T] = []
    if vectors {
        y = [T](repeating: 0, count: bigN * bigN)   // bigN × bigN, starts as I
        for i in 0..<bigN { y[i * bigN + i] = 1 }
    }

    let sweeps: Int
    if vectors && kernel == .scalar && params.rightVectors == .recovered && bigN >= 2 {
        sweeps = try recoverAndRefine(x: &x, count: bigN, length: len, y: &y, params: params,
                                      parallelism: parallelism)
    } else {
        sweeps = try x.withUnsafeMutableBufferPointer { (xb) throws(SVDError) -> Int in
            try y.withUnsafeMutableBufferPointer { (yb) throws(SVDError) -> Int in
                let yp = vectors ? yb.baseAddress : nil
                switch kernel {
                case .scalar:
                    return try oneSidedJacobi(x: xb.baseAddress!, count: bigN, length: len, y: yp, yLength: bigN,
                                              params: params, parallelism: parallelism)
                case .blocked:
                    return try BlockJacobi.run(x: xb.baseAddress!, count: bigN, length: len, y: yp,
                                               yLength: bigN, params: params, parallelism: parallelism)
                }
            }
        }
    }

    // σ_j = ‖x_j‖ (in Double, scaled); order by σ descending, ties by index.
    var sigma = [Double](repeating: 0, count: bigN)
    x.withUnsafeBufferPointer { xb in
        for j in 0..<bigN { sigma[j] = robustNorm(xb.baseAddress! + j * len, len) }
    }
    let order = (0..<bigN).sorted { sigma[$0] > sigma[$1] || (sigma[$0] == sigma[$1] && $0 < $1) }
    let unscale = { (v: Double) -> T in T(v).scaledByPowerOfTwo(-e) }
    let s = order.map { unscale(sigma[$0]) }
    guard vectors else { return SVDParts(s: s, u: nil, vt: nil, sweeps: sweeps) }

    // Normalized X rows (unit vectors, length len), completed where σ_j is (numerically) zero.
    let tiny = T.leastNormalMagnitude.asDouble.squareRoot()
    var missing = [Bool](repeating: false, count: bigN)
    for j in 0..<bigN {
        if sigma[j] <= tiny {
            missing[j] = true
            for i in 0..<len { x[j * len + i] = 0 }
        } else {
            let inv = 1 / sigma[j]
            for i in 0..<len { x[j * len + i] = T(x[j * len + i].asDouble * inv) }
        }
    }
    completeOrthonormalRows(&x, count: bigN, length: len, missing: missing)

    // Left (bigN × bigM) and right (bigN × bigN) singular vectors of G, as rows.
    let gLeft: Matrix<T>, gRight: Matrix<T>
    if useQR, let q2, let perm {
        // X = R₂ᵀ = U_x Σ V_xᵀ ⇒ G·P = Q·R = (Q U_x) Σ (Q₂ V_x)ᵀ; x holds U_xᵀ, y holds V_xᵀ.
        let xM = Matrix(rows: bigN, cols: bigN, elements: x)
        gLeft = matmul(xM, q!, transB: .transposed, parallelism: parallelism)   // (Q U_x)ᵀ = U_xᵀ Qᵀ
        let w = matmul(Matrix(rows: bigN, cols: bigN, elements: y), q2, transB: .transposed,
                       parallelism: parallelism)   // (Q₂ V_x)ᵀ, bigN × bigN: right vectors of G·P as rows
        gRight = columnsScattered(w, perm)   // undo P: entry perm[j] of a row of G's = entry j of G·P's
    } else if useQR {
        let yM = Matrix(rows: bigN, cols: bigN, elements: y)
        gLeft = matmul(yM, q!, transB: .transposed, parallelism: parallelism)   // (Q Ṽ)ᵀ = Ṽᵀ Qᵀ
        gRight = Matrix(rows: bigN, cols: bigN, elements: x)
    } else {
        gLeft = Matrix(rows: bigN, cols: len, elements: x)
        gRight = Matrix(rows: bigN, cols: bigN, elements: y)
    }
    // A = G (tall) or A = Gᵀ (wide): rows of U's columns and of Vᵀ.
    var uRows = wide ? gRight : gLeft   // k × m
    var vRows = wide ? gLeft : gRight   // k × n
    permuteRows(&uRows, order)
    permuteRows(&vRows, order)
    applySignConvention(uRows: &uRows, vRows: &vRows)
    var sOut = s
    // Only where the spread makes the O(ε·σ₁) error of the small σ large relative to them (κ > 10³; at smaller κ
    // the Jacobi values are already better than the O(δ²·σ₁) of the quotients).
    if params.sigmaRefinement && T.self == Float.self, let first = sOut.first, let last = sOut.last,
       first.asDouble > 1e3 * last.asDouble {
        rayleighQuotientsInDouble(a, uRows: &uRows, vRows: &vRows, s: &sOut, parallelism: parallelism)
    }
    return SVDParts(s: sOut, u: transposedCopy(uRows), vt: vRows, sweeps: sweeps)
}

/// σᵢ ← uᵢᵀ A vᵢ, in Double, for the k triplets (rows of `uRows`, k × m, and `vRows`, k × n) of A (m × n),
/// re-sorting the triplets if that changed the order.
///
/// The Rayleigh quotient of approximate singular vectors with errors δ is off by O(δ²·‖A‖), against the
/// O(ε·‖A‖) of σᵢ = ‖column i‖ after Float preconditioning and rotations: for Float input it brings the small σ
/// of a matrix with κ ≈ 10³ from ~1e-5 to ~1e-7 relative error, for one Double GEMM (k × n × m). A quotient that
/// comes out negative or not finite (σᵢ at rounding level) keeps the Jacobi value.
func rayleighQuotientsInDouble<T: GEMMScalar>(_ a: Matrix<T>, uRows: inout Matrix<T>, vRows: inout Matrix<T>,
                                              s: inout [T], parallelism: Parallelism) {
    let k = s.count
    guard k > 0 else { return }
    let w = matmul(vRows.converted(to: Double.self), a.converted(to: Double.self), transB: .transposed,
                   parallelism: parallelism)   // k × m: row i = (A vᵢ)ᵀ
    var refined = s.map(\.asDouble)
    let m = uRows.cols
    uRows.elements.withUnsafeBufferPointer { u in
        w.elements.withUnsafeBufferPointer { wb in
            for i in 0..<k {
                var d = 0.0
                for r in 0..<m { d += u[i * m + r].asDouble * wb[i * m + r] }
                if d >= 0 && d.isFinite { refined[i] = d }
            }
        }
    }
    let order = (0..<k).sorted { refined[$0] > refined[$1] || (refined[$0] == refined[$1] && $0 < $1) }
    if order != Array(0..<k) {
        permuteRows(&uRows, order)
        permuteRows(&vRows, order)
    }
    s = order.map { T(refined[$0]) }
}

/// The column indices of `a` ordered by decreasing Euclidean norm (ties by index): the permutation P of the
/// Drmač–Veselić preconditioner (norm sorting stands in for Businger–Golub pivoting; it puts the heavy columns
/// first, so R's diagonal, and with it R₂ᵀ's columns, come out graded).
func columnsByDecreasingNorm<T: LinalgScalar>(_ a: Matrix<T>) -> [Int] {
    var norms = [Double](repeating: 0, count: a.cols)   // squared, in Double (A is already safely scaled)
    a.elements.withUnsafeBufferPointer { e in
        for i in 0..<a.rows {
            for j in 0..<a.cols { let v = e[i * a.cols + j].asDouble; norms[j] += v * v }
        }
    }
    return (0..<a.cols).sorted { norms[$0] > norms[$1] || (norms[$0] == norms[$1] && $0 < $1) }
}


/// The exponent e (0 = leave alone) for which 2^e·max|aᵢⱼ| lies in [1, 2), chosen only when max|aᵢⱼ| is
/// outside [√(least normal)/ε, √(greatest finite)/(4·max(m, n))]: beyond those, squared column norms could
/// overflow, or lose precision to underflow.
func safeScaleExponent<T: LinalgScalar>(maxAbs: Double, rows: Int, cols: Int, _: T.Type) -> Int {
    guard maxAbs > 0 && maxAbs.isFinite else { return 0 }
    let big = T.greatestFiniteMagnitude.asDouble.squareRoot() / Double(4 * Swift.max(rows, cols, 1))
    let small = T.leastNormalMagnitude.asDouble.squareRoot() / T.machineEpsilon
    return maxAbs > big || maxAbs < small ? -Int(maxAbs.exponent) : 0
}

extension LinalgScalar {
    /// self·2^e, exact unless it over- or underflows.
    @inline(__always) func scaledByPowerOfTwo(_ e: Int) -> Self {
        Self(sign: .plus, exponent: Self.Exponent(e), significand: self)
    }
}

extension Matrix {
    /// Every element times 2^e.
    func scaledByPowerOfTwo(_ e: Int) -> Matrix {
        Matrix(rows: rows, cols: cols, elements: elements.map { $0.scaledByPowerOfTwo(e) })
    }
}

/// Reorders the rows of `a`: new row i = old row order[i].
func permuteRows<T: LinalgScalar>(_ a: inout Matrix<T>, _ order: [Int]) {
    let c = a.cols
    var out = [T](repeating: 0, count: order.count * c)
    for (i, src) in order.enumerated() {
        for j in 0..<c { out[i * c + j] = a.elements[src * c + j] }
    }
    a = Matrix(rows: order.count, cols: c, elements: out)
}

/// Makes the largest-|·| component (first on ties) of each row of `vRows` positive, flipping the matching row
/// of `uRows` with it.
func applySignConvention<T: LinalgScalar>(uRows: inout Matrix<T>, vRows: inout Matrix<T>) {
    for j in 0..<vRows.rows {
        var best = 0
        var bestAbs: T = -1
        for i in 0..<vRows.cols where abs(vRows[j, i]) > bestAbs {
            bestAbs = abs(vRows[j, i])
            best = i
        }
        guard vRows.cols > 0, vRows[j, best] < 0 else { continue }
        for i in 0..<vRows.cols { vRows[j, i] = -vRows[j, i] }
        for i in 0..<uRows.cols { uRows[j, i] = -uRows[j, i] }
    }
}

/// Fills the rows flagged `missing` (count × length, row-major; the others orthonormal) with unit vectors
/// orthogonal to all other rows: unit vectors e_i, in order, Gram–Schmidt-orthogonalized twice against the
/// current rows, accepted when at least half their norm survives.
func completeOrthonormalRows<T: LinalgScalar>(_ rows: inout [T], count: Int, length len: Int, missing: [Bool]) {
    guard missing.contains(true) else { return }
    var valid = missing.map { !$0 }
    var candidate = 0
    var w = [Double](repeating: 0, count: len)
    for j in 0..<count where missing[j] {
        while candidate < len {
            for i in 0..<len { w[i] = 0 }
            w[candidate] = 1
            candidate += 1
            for _ in 0..<2 {
                for r in 0..<count where valid[r] {
                    var d = 0.0
                    for i in 0..<len { d += rows[r * len + i].asDouble * w[i] }
                    for i in 0..<len { w[i] -= d * rows[r * len + i].asDouble }
                }
            }
            let nrm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if nrm > 0.5 {
                for i in 0..<len { rows[j * len + i] = T(w[i] / nrm) }
                valid[j] = true
                break
            }
        }
    }
}
