import Factorizations
import GEMM
import LinearAlgebraCore

/// The thin SVD A = U Σ Vᵀ of A (m × n) through a bidiagonal (LAPACK gesdd's plan):
///
/// 1. Non-finite input → ``SVDError/nonFinite(row:col:)``; A outside the safe range is scaled by 2^e (as for
///    Jacobi). A wide A is decomposed as Aᵀ = V Σ Uᵀ, so below G (M × N) is tall.
/// 2. M ≥ qrRatio·N: G = Q·R (blocked Householder QR) and the N × N triangle R is bidiagonalized instead.
/// 3. G (or R) = Q_B·B·P_Bᵀ by the blocked Golub–Kahan bidiagonalization (``bidiagonalize(_:blockSize:parallelism:)``).
/// 4. B = U_B Σ V_Bᵀ in Double: values only, or N ≤ leafSize → implicit-shift QR
///    (``bidiagonalQR(d:e:ut:vt:length:maxIterationFactor:)``); else divide and conquer
///    (``bidiagonalDivideConquer(d:e:params:parallelism:)``).
/// 5. U_G = (Q·)Q_B·[U_B; 0] and V_G = P_B·V_B by the blocked reflectors (GEMMs), for the leading c columns of
///    U_B and V_B only (c = `leadingVectors`, at most N; nil = N); the sign convention of ``SVD``.
/// 6. Float input with vectors and σ₁/σ_k > 10 (``BidiagonalSVDParams/sigmaRefinement``): σᵢ ← uᵢᵀ A vᵢ in Double
///    (``rayleighQuotientsInDouble(_:uRows:vRows:s:parallelism:)``, as for Jacobi): the O(ε_f32·σ₁) absolute error
///    of the small σ (relative ε_f32·κ: already 2·10⁻⁵ at κ ≈ 500) drops to O(δ²·σ₁). With c < N only the leading
///    c are refined, and the others are capped at the smallest refined one (the order stays descending).
@_specialize(where T == Float)
@_specialize(where T == Double)
func bidiagonalSVD<T: GEMMScalar>(_ a: consuming Matrix<T>, vectors: Bool, leadingVectors: Int? = nil,
                                  params: BidiagonalSVDParams, parallelism: Parallelism) throws(SVDError) -> SVDParts<T> {
    let problem = try TallProblem(a)
    guard problem.k > 0 else { return problem.emptyParts(vectors: vectors) }
    let (wide, bigM, bigN, e) = (problem.wide, problem.bigM, problem.bigN, problem.scaleExponent)
    let keep = Swift.min(bigN, leadingVectors ?? bigN)   // singular vectors back-transformed
    let unscale = { (v: Double) -> T in T(v).scaledByPowerOfTwo(-e) }
    // The reduction's work (the scaled and transposed copy, the QR and bidiagonal reflectors) lives in this scope
    // only: it is freed before the singular vectors are transposed into their final layout.
    var sigma: [Double] = [], sweeps = 0
    var uG = Matrix<T>(rows: 0, cols: 0), vG = Matrix<T>(rows: 0, cols: 0)
    let refine = vectors && params.sigmaRefinement && T.self == Float.self
    let original: Matrix<T>? = refine ? a : nil  // the Rayleigh quotients need A itself
    do {
        var scaled = consume a  // freed below once copied, unless the caller still holds it
        if e != 0 { scaled = scaled.scaledByPowerOfTwo(e) }
        var g = wide ? transposedCopy(scaled) : scaled
        scaled = Matrix(rows: 0, cols: 0)
        var qr: HouseholderQR<T>? = nil
        if bigM > bigN && Double(bigM) >= params.qrRatio * Double(bigN) {
            let h = HouseholderQR(g, parallelism: parallelism)
            qr = h
            g = upperTriangle(of: h.factors, transposed: false)
        }
        let bd = bidiagonalize(g, blockSize: params.blockSize, parallelism: parallelism)
        var dd = bd.d, ee = bd.e
        guard vectors else {
            let steps = try bidiagonalQR(d: &dd, e: &ee, ut: nil, vt: nil, length: 0,
                                         maxIterationFactor: params.maxIterationFactor)
            return SVDParts(s: dd.map(unscale), u: nil, vt: nil, sweeps: (steps + bigN - 1) / bigN)
        }
        // B = U_B Σ V_Bᵀ: ub, vb are N × N row-major with the singular vectors as columns.
        var ub: [Double], vb: [Double]
        if bigN <= params.leafSize {
            var ut = [Double](repeating: 0, count: bigN * bigN), vt = ut
            for i in 0..<bigN { ut[i * bigN + i] = 1; vt[i * bigN + i] = 1 }
            let steps = try ut.withUnsafeMutableBufferPointer { (u) throws(SVDError) -> Int in
                try vt.withUnsafeMutableBufferPointer { (v) throws(SVDError) -> Int in
                    try bidiagonalQR(d: &dd, e: &ee, ut: u.baseAddress!, vt: v.baseAddress!, length: bigN,
                                     maxIterationFactor: params.maxIterationFactor)
                }
            }
            sweeps = (steps + bigN - 1) / bigN
            sigma = dd
            ub = transposedSquare(ut, bigN)
            vb = transposedSquare(vt, bigN)
        } else {
            (sigma, ub, vb) = try bidiagonalDivideConquer(d: dd, e: ee, params: params, parallelism: parallelism)
        }
        // U_G = (Q·)Q_B·[U_B; 0] (M × c), V_G = P_B·V_B (N × c): the leading c columns of U_B, V_B only.
        uG = Matrix<T>(rows: qr == nil ? bigM : bigN, cols: keep)
        uG.elements.withUnsafeMutableBufferPointer { dst in
            for i in 0..<bigN { for j in 0..<keep { dst[i * keep + j] = T(ub[i * bigN + j]) } }
        }
        applyBidiagonalReflectors(bd, .left, to: &uG, blockSize: params.backTransformBlock, parallelism: parallelism)
        if let qr {
            var full = Matrix<T>(rows: bigM, cols: keep)
            full.elements.withUnsafeMutableBufferPointer { dst in
                uG.elements.withUnsafeBufferPointer { src in
                    for i in 0..<(bigN * keep) { dst[i] = src[i] }
                }
            }
            uG = Matrix(rows: 0, cols: 0)
            qr.applyQ(transpose: .none, to: &full, parallelism: parallelism)
            uG = full
        }
        vG = Matrix<T>(rows: bigN, cols: keep)
        vG.elements.withUnsafeMutableBufferPointer { dst in
            for i in 0..<bigN { for j in 0..<keep { dst[i * keep + j] = T(vb[i * bigN + j]) } }
        }
        applyBidiagonalReflectors(bd, .right, to: &vG, blockSize: params.backTransformBlock, parallelism: parallelism)
    }
    var uRows = transposedCopy(wide ? vG : uG)   // k × m
    if wide { vG = Matrix(rows: 0, cols: 0) } else { uG = Matrix(rows: 0, cols: 0) }
    var vRows = transposedCopy(wide ? uG : vG)   // k × n
    uG = Matrix(rows: 0, cols: 0)
    vG = Matrix(rows: 0, cols: 0)
    applySignConvention(uRows: &uRows, vRows: &vRows)
    var sOut = sigma.map(unscale)
    if refine, let original, keep > 0, let first = sOut.first, let last = sOut.last, first.asDouble > 10 * last.asDouble {
        var head = Array(sOut.prefix(keep))
        rayleighQuotientsInDouble(original, uRows: &uRows, vRows: &vRows, s: &head, parallelism: parallelism)
        for i in keep..<sOut.count { sOut[i] = Swift.min(sOut[i], head[keep - 1]) }
        sOut.replaceSubrange(0..<keep, with: head)
    }
    return SVDParts(s: sOut, u: transposedCopy(uRows), vt: vRows, sweeps: sweeps)
}

/// The transpose of an n × n row-major array.
func transposedSquare(_ a: [Double], _ n: Int) -> [Double] {
    var out = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { out[j * n + i] = a[i * n + j] } }
    return out
}
