import GEMM
import LinearAlgebraCore
@testable import SpectralDecompositions

/// Tests run in debug too: sizes shrink there.
#if DEBUG
let isRelease = false
#else
let isRelease = true
#endif

/// ‖A − U diag(s) Vᵀ‖_F / ‖A‖_F, in Double.
func reconstructionError<T: GEMMScalar>(_ a: Matrix<T>, _ svd: SVD<T>) -> Double {
    let (u, vt) = (svd.u!.converted(to: Double.self), svd.vt!.converted(to: Double.self))
    let s = svd.singularValues.map(\.asDouble)
    var diff = 0.0
    for i in 0..<a.rows {
        for j in 0..<a.cols {
            var x = 0.0
            for k in 0..<s.count { x += u[i, k] * s[k] * vt[k, j] }
            let d = x - a[i, j].asDouble
            diff += d * d
        }
    }
    let norm = a.frobeniusNorm
    return norm == 0 ? diff.squareRoot() : diff.squareRoot() / norm
}

/// max |(XᵀX − I)ᵢⱼ| for the columns of X (in Double).
func orthonormalityError<T: LinalgScalar>(columnsOf x: Matrix<T>) -> Double {
    let d = x.converted(to: Double.self)
    var worst = 0.0
    for p in 0..<d.cols {
        for q in p..<d.cols {
            var s = 0.0
            for i in 0..<d.rows { s += d[i, p] * d[i, q] }
            worst = max(worst, abs(s - (p == q ? 1 : 0)))
        }
    }
    return worst
}

/// A random n × n orthogonal matrix: Q of the QR of a Gaussian matrix.
func randomOrthogonal<T: GEMMScalar>(_ n: Int, seed: UInt64, _: T.Type = T.self) -> Matrix<T> {
    factorQR(Matrix<T>.gaussian(rows: n, cols: n, seed: seed), wantQ: true, parallelism: .serial).q!
}

/// Q₁ diag(σ) Q₂ᵀ (m × n), built in Double and rounded to T once; σ has min(m, n) entries.
func matrixWithSpectrum<T: LinalgScalar>(rows m: Int, cols n: Int, sigma: [Double], seed: UInt64,
                                         _: T.Type = T.self) -> Matrix<T> {
    let q1 = randomOrthogonal(m, seed: seed, Double.self), q2 = randomOrthogonal(n, seed: seed &+ 1, Double.self)
    var a = Matrix<Double>(rows: m, cols: n)
    for i in 0..<m {
        for j in 0..<n {
            var x = 0.0
            for k in 0..<sigma.count { x += q1[i, k] * sigma[k] * q2[j, k] }
            a[i, j] = x
        }
    }
    return a.converted(to: T.self)
}

/// The checks every thin SVD must pass: σ sorted and non-negative, A ≈ UΣVᵀ, UᵀU = I, VVᵀ = I, shapes.
/// Tolerance: `factor`·ε·max(m, n) (LAPACK's SVD test ratio convention: rounding grows with the number of
/// rotations each column takes part in).
func expectValidSVD<T: GEMMScalar>(_ a: Matrix<T>, _ svd: SVD<T>, factor: Double = 5) -> [String] {
    var failures = [String]()
    let k = min(a.rows, a.cols)
    let tol = factor * T.machineEpsilon * Double(max(a.rows, a.cols, 2))
    let s = svd.singularValues
    if s.count != k { failures.append("σ count \(s.count) ≠ \(k)") }
    for i in 0..<s.count where s[i] < 0 || (i > 0 && s[i] > s[i - 1]) { failures.append("σ not sorted at \(i)") }
    guard let u = svd.u, let vt = svd.vt else { return failures + ["no vectors"] }
    if u.rows != a.rows || u.cols != k || vt.rows != k || vt.cols != a.cols { failures.append("bad shapes") }
    let rec = reconstructionError(a, svd)
    if rec > tol { failures.append("reconstruction \(rec) > \(tol)") }
    let ou = orthonormalityError(columnsOf: u), ov = orthonormalityError(columnsOf: vt.transposed())
    if ou > tol { failures.append("UᵀU − I: \(ou) > \(tol)") }
    if ov > tol { failures.append("VᵀV − I: \(ov) > \(tol)") }
    // Sign convention: largest-|·| entry of each row of Vᵀ is positive.
    for j in 0..<vt.rows {
        var best = 0
        for i in 0..<vt.cols where abs(vt[j, i]) > abs(vt[j, best]) { best = i }
        if vt.cols > 0 && vt[j, best] < 0 { failures.append("sign convention broken in row \(j)") }
    }
    return failures
}

/// Every Jacobi configuration tests run: kernel × ordering × QR preconditioning (when × which) × how V is
/// obtained (and refined), serial and 2 threads.
func jacobiConfigurations() -> [(name: String, algorithm: SVDAlgorithm, params: JacobiParams, par: Parallelism)] {
    var out = [(String, SVDAlgorithm, JacobiParams, Parallelism)]()
    for alg in [SVDAlgorithm.jacobi, .jacobiBlocked] {
        for ordering in JacobiOrdering.allCases {
            for qr in QRPreconditioning.allCases {
                for pre in qr == .never ? [QRPreconditioner.qr] : QRPreconditioner.allCases {
                    // V accumulated, or recovered (with and without the Float first phase); the blocked
                    // kernel always accumulates.
                    let vectorModes: [(JacobiRightVectors, Bool, JacobiRefinement)] = alg == .jacobi
                        ? [(.accumulated, false, .automatic), (.recovered, true, .automatic),
                           (.recovered, false, .gram), (.recovered, true, .rotations)]
                        : [(.accumulated, false, .automatic)]
                    for (rv, mixed, refinement) in vectorModes {
                        for par in [Parallelism.serial, .threads(2)] {
                            // Small thresholds/blocks so that the parallel and multi-block paths run at test sizes.
                            let p = JacobiParams(ordering: ordering, qrPreconditioning: qr, preconditioner: pre,
                                                 blockSize: 4, parallelWorkThreshold: 0, rightVectors: rv,
                                                 mixedPrecision: mixed, refinement: refinement)
                            out.append(("\(alg) \(ordering) \(qr) \(pre) \(rv) mixed=\(mixed) \(refinement) \(par)",
                                        alg, p, par))
                        }
                    }
                }
            }
        }
    }
    return out
}
